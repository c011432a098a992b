#pragma once
// The texts LLMCompiler sends and reads (reference/parallel.md §4.1, §4.4): the planner prompt
// (tools listed with their descriptions, join(), guidelines, the question), the replanner prompt
// (the same plus `Previous Plan:` with every executed step and its observation, the joiner's
// thought, and `Current Plan:`), the joiner prompt (`Question:` + the scratchpad), and the
// joiner's reply: `Thought: ...` then `Action: Finish(answer)` or `Action: Replan(reason)`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "planner/llmcompiler/task_fetching_unit.hpp"
#include "workers/tools/tool.hpp"

namespace braid::planner::llmcompiler {

// Markers a scripted test (or a reader of the store) can tell the calls apart by.
inline constexpr std::string_view kPlannerHeader = "Plan the tool calls";
inline constexpr std::string_view kJoinerHeader = "Decide the answer";
inline constexpr std::string_view kCurrentPlan = "Current Plan:";

// The Thought/step/Observation lines of every step that ran, in id order.
std::string scratchpad(const std::map<int, StepRun>& runs);

std::string planner_prompt(const std::vector<const workers::tools::Tool*>& tools,
                           std::string_view question);
// `next_id`: the first id the new plan must use.
std::string replanner_prompt(const std::vector<const workers::tools::Tool*>& tools,
                             std::string_view question, std::string_view previous_plan,
                             std::string_view joiner_thought, int next_id);
// `final_round`: Replan is not offered; the joiner must finish.
std::string joiner_prompt(std::string_view question, std::string_view scratchpad, bool final_round);

struct JoinerDecision {
    enum class Kind { finish, replan };
    Kind kind = Kind::finish;
    std::string thought;
    std::string content;  // the answer (finish) or the reason (replan)
};

// nullopt when the reply holds neither action.
std::optional<JoinerDecision> parse_joiner_reply(std::string_view reply);

}  // namespace braid::planner::llmcompiler
