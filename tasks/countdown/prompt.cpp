#include "tasks/countdown/prompt.hpp"

#include "tasks/countdown/text_scan.hpp"

namespace braid::tasks::countdown {

namespace {

constexpr std::string_view kStateTag = "Current State:";
constexpr std::string_view kMoveTag = "Moving to Node #";

Error parse_error(const std::string& what) {
    return make_error(ErrorCode::parse, "countdown state: " + what);
}

// The integer after `tag` in `text`, if the tag occurs.
std::optional<std::int64_t> budget_after(std::string_view text, std::string_view tag) {
    std::size_t at = text.find(tag);
    if (at == std::string_view::npos) return std::nullopt;
    detail::Scanner scan(text.substr(at + tag.size()));
    scan.skip_spaces();
    Value v = 0;
    if (!scan.value(v)) return std::nullopt;
    return v;
}

}  // namespace

State root_state(const Problem& problem) {
    State s;
    s.target = problem.target;
    s.numbers = to_values(problem.numbers);
    return s;
}

std::string state_line(const State& state) {
    return std::string(kStateTag) + " " + std::to_string(state.target) + ":" +
           format_numbers(state.numbers) + ", Operations: " + format_operations(state.operations);
}

std::string state_prompt(const State& state) {
    return std::string(kMoveTag) + state.node_id + "\n" + state_line(state);
}

std::string root_prompt(const Problem& problem, std::optional<std::int64_t> sub_call_budget) {
    std::string prefix;
    if (sub_call_budget) prefix = "Sub Call Budget: " + std::to_string(*sub_call_budget) + " ";
    return prefix + state_prompt(root_state(problem));
}

Result<ParsedState> parse_state(std::string_view text) {
    std::size_t at = text.find(kStateTag);
    if (at == std::string_view::npos) return parse_error("no 'Current State:' line");
    ParsedState out;
    std::string_view before = text.substr(0, at);
    out.sub_call_budget = budget_after(before, "Sub Call Budget:");
    out.token_budget = budget_after(before, "Token Budget:");

    // The node id comes from a "Moving to Node #X" directly before the state line (only blanks
    // and one line break between them).
    std::size_t move = before.rfind(kMoveTag);
    if (move != std::string_view::npos) {
        std::string_view tail = before.substr(move + kMoveTag.size());
        std::size_t id_end = tail.find_first_not_of("0123456789,");
        std::string_view gap =
            id_end == std::string_view::npos ? std::string_view{} : tail.substr(id_end);
        if (gap.find_first_not_of(" \t\r\n") == std::string_view::npos) {
            detail::Scanner id_scan(tail);
            if (!id_scan.node_id(out.state.node_id))
                return parse_error("malformed node id after 'Moving to Node #'");
        }
    }

    std::size_t end = text.find('\n', at);
    detail::Scanner scan(text.substr(at + kStateTag.size(), end == std::string_view::npos
                                                                ? std::string_view::npos
                                                                : end - at - kStateTag.size()));
    scan.skip_spaces();
    if (!scan.value(out.state.target)) return parse_error("no target after 'Current State:'");
    if (!scan.literal(":")) return parse_error("expected ':' after the target");
    scan.skip_spaces();
    if (!scan.value_list(out.state.numbers)) return parse_error("malformed number list");
    if (out.state.numbers.empty()) return parse_error("empty number list");
    scan.skip_spaces();
    if (!scan.literal(",")) return parse_error("expected ', Operations:' after the numbers");
    scan.skip_spaces();
    if (!scan.literal("Operations:"))
        return parse_error("expected 'Operations:' after the numbers");
    scan.skip_spaces();
    if (!scan.quoted_list(out.state.operations)) return parse_error("malformed operations list");
    for (const std::string& op : out.state.operations)
        if (!parse_operation(op)) return parse_error("malformed operation '" + op + "'");
    return out;
}

}  // namespace braid::tasks::countdown
