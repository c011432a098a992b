#include "planner/llmcompiler/prompts.hpp"

#include <cctype>

namespace braid::planner::llmcompiler {

namespace {

constexpr std::string_view kGuidelines =
    "Guidelines:\n"
    " - Write one step per line: \"<id>. <tool>(<arguments>)\", ids counting up by one.\n"
    " - Arguments are Python literals: quoted strings, numbers, lists.\n"
    " - To use the output of an earlier step, write \"$<id>\" inside an argument, e.g. \"$1\".\n"
    " - Steps that do not depend on each other run in parallel: plan for the utmost "
    "parallelizability.\n"
    " - You may write a \"Thought: ...\" line before a step. No other comments. Never invent "
    "tools.\n"
    " - End the plan with \"<id>. join()\" followed by <END_OF_PLAN>.\n";

std::string tool_list(const std::vector<const workers::tools::Tool*>& tools) {
    std::string out = "Tools:\n";
    int n = 1;
    for (const workers::tools::Tool* t : tools)
        out += std::to_string(n++) + ". " + std::string(t->description()) + "\n";
    out += std::to_string(n) +
           ". join(): collects the outputs of the steps above and ends the plan. Always the last "
           "step.\n";
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// The text inside the parentheses opened at `open` (balanced), or up to the end of the reply.
std::string call_content(std::string_view reply, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < reply.size(); ++i) {
        if (reply[i] == '(') ++depth;
        if (reply[i] == ')' && --depth == 0)
            return std::string(trim(reply.substr(open + 1, i - open - 1)));
    }
    return std::string(trim(reply.substr(open + 1)));
}

}  // namespace

std::string scratchpad(const std::map<int, StepRun>& runs) {
    std::string out;
    for (const auto& [id, run] : runs) {
        if (!run.done) continue;
        if (!run.step.thought.empty()) out += "Thought: " + run.step.thought + "\n";
        out += run.step.line() + "\n";
        out += "Observation: " + std::string(trim(run.observation)) + "\n";
    }
    return out;
}

std::string planner_prompt(const std::vector<const workers::tools::Tool*>& tools,
                           std::string_view question) {
    return std::string(kPlannerHeader) + " that answer the question below.\n\n" + tool_list(tools) +
           "\n" + std::string(kGuidelines) + "\nQuestion: " + std::string(question) + "\n";
}

std::string replanner_prompt(const std::vector<const workers::tools::Tool*>& tools,
                             std::string_view question, std::string_view previous_plan,
                             std::string_view joiner_thought, int next_id) {
    return planner_prompt(tools, question) + "\nPrevious Plan:\n\n" + std::string(previous_plan) +
           "\nThought: " + std::string(joiner_thought) +
           "\n\nNever repeat a step that already ran; its output is available as $<id>. " +
           "Number the new steps from " + std::to_string(next_id) + ".\n" +
           std::string(kCurrentPlan) + "\n";
}

std::string joiner_prompt(std::string_view question, std::string_view pad, bool final_round) {
    std::string out =
        std::string(kJoinerHeader) +
        " to the question from the observations of the plan's steps.\n"
        "Reply with \"Thought: <your reasoning>\" and then one line:\n"
        "  Action: Finish(<the final answer>)  if the observations answer the question\n";
    if (final_round)
        out += "You must answer now: no more plans will run.\n";
    else
        out += "  Action: Replan(<what is missing>)     if another plan is needed\n";
    out += "\nQuestion: " + std::string(question) + "\n\n" + std::string(pad);
    return out;
}

std::optional<JoinerDecision> parse_joiner_reply(std::string_view reply) {
    JoinerDecision d;
    std::size_t action = reply.rfind("Action:");
    std::string_view from = action == std::string_view::npos ? reply : reply.substr(action);
    std::size_t finish = from.find("Finish(");
    std::size_t replan = from.find("Replan(");
    if (finish == std::string_view::npos && replan == std::string_view::npos) return std::nullopt;
    bool is_finish =
        replan == std::string_view::npos || (finish != std::string_view::npos && finish < replan);
    d.kind = is_finish ? JoinerDecision::Kind::finish : JoinerDecision::Kind::replan;
    d.content = call_content(from, (is_finish ? finish : replan) + 6);
    std::string_view before = action == std::string_view::npos ? reply : reply.substr(0, action);
    if (std::size_t t = before.rfind("Thought:"); t != std::string_view::npos) {
        std::string_view thought = before.substr(t + 8);
        d.thought = std::string(trim(thought.substr(0, thought.find('\n'))));
    }
    return d;
}

}  // namespace braid::planner::llmcompiler
