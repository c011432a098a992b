#pragma once
// The streaming plan parser of LLMCompiler (reference/parallel.md §4.1, §4.3). Fed the planner's
// text in pieces as it streams, it emits every complete step line at once, so its tool call can
// start while the planner is still writing.
//
// Syntax, one item per line:
//   Thought: <text>                   attached to the next step
//   <id>. <tool>(<args>)[ #comment]   a step; args as Python literals (python_literal.hpp),
//                                     falling back to the raw text as one string argument
//   <id>. join()                      depends on every earlier step of this plan; ends the plan
//   <END_OF_PLAN>                     ends the plan (anywhere in a line; the rest is ignored)
// Any other line is prose and ignored. A step's dependencies are the ids referenced as `$N` or
// `${N}` in its argument text.
//
// Malformed plans are recorded, never thrown: ids not strictly increasing (across the whole task:
// a replan continues after the last id), a reference to a step that is not earlier (a missing or
// later step, or itself, which rules out cycles), an unknown tool, an unclosed call, a second
// join() or any step after join(), a plan with no step at all. Once failed, the parser emits
// nothing more and failure() says why.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace braid::planner::llmcompiler {

inline constexpr std::string_view kEndOfPlan = "<END_OF_PLAN>";

struct PlanStep {
    int id = 0;
    std::string tool;       // "join" for the join step
    std::string args_text;  // between the parentheses, as written
    nlohmann::json args;    // JSON array of the parsed arguments
    std::vector<int> deps;  // ids this step waits for, ascending
    std::string thought;    // the Thought: line(s) before it ("" if none)
    bool is_join() const { return tool == "join"; }
    std::string line() const { return std::to_string(id) + ". " + tool + "(" + args_text + ")"; }
};

class StreamingPlanParser {
public:
    // `tools`: the names a step may call. `earlier`: ids of steps run by earlier rounds (replans),
    // which a step may reference; new ids must be greater than all of them.
    StreamingPlanParser(std::vector<std::string> tools, std::set<int> earlier = {});

    // Feeds a piece of streamed text; returns the steps it completed, in order.
    std::vector<PlanStep> feed(std::string_view chunk);
    // The stream ended: parses a last line without a newline and checks the plan as a whole.
    std::vector<PlanStep> finish();

    bool failed() const { return !failure_.empty(); }
    const std::string& failure() const { return failure_; }
    bool ended() const { return ended_; }  // join() or <END_OF_PLAN> seen
    bool joined() const { return joined_; }
    const std::vector<PlanStep>& steps() const { return steps_; }
    const std::string& text() const { return text_; }  // everything fed so far

private:
    void line(std::string_view text, std::vector<PlanStep>& out);
    void fail(std::string why);

    std::vector<std::string> tools_;
    std::set<int> known_;  // ids a reference may name: earlier rounds and this plan so far
    int last_id_ = 0;
    std::string buffer_;  // the incomplete last line
    std::string text_;
    std::string thought_;
    std::vector<PlanStep> steps_;
    std::string failure_;
    bool ended_ = false;
    bool joined_ = false;
    bool finished_ = false;
    bool closed_ = false;  // <END_OF_PLAN> seen: later lines are ignored
};

// The ids referenced as $N or ${N} in `text`, ascending, without duplicates.
std::vector<int> referenced_ids(std::string_view text);
// `text` with every $N / ${N} whose id has an entry in `values` replaced by that value.
std::string substitute_references(std::string_view text, const std::map<int, std::string>& values);

}  // namespace braid::planner::llmcompiler
