#include "tasks/countdown/apr_protocol.hpp"

#include <map>

#include "tasks/countdown/text_scan.hpp"

namespace braid::tasks::countdown {

namespace {

constexpr std::string_view kGoal = "Goal Reached";
constexpr std::string_view kMove = "Moving to Node #";
constexpr std::string_view kGenerated = "Generated Node #";

Error protocol_error(const std::string& what) {
    return make_error(ErrorCode::parse, "APR spawn: " + what);
}

std::string parent_id(const std::string& id) {
    std::size_t comma = id.rfind(',');
    return comma == std::string::npos ? std::string{} : id.substr(0, comma);
}

// Parses "Generated Node #X: T:[nums] Operation: op" into (id, numbers, op).
bool parse_generated(std::string_view line, std::string& id, std::vector<Value>& numbers,
                     std::string& op) {
    std::size_t at = line.find(kGenerated);
    if (at == std::string_view::npos) return false;
    detail::Scanner scan(line.substr(at + kGenerated.size()));
    Value target = 0;
    Operation parsed;
    if (!scan.node_id(id) || !scan.literal(":")) return false;
    scan.skip_spaces();
    // A move leaves at least one number; parse_state (the child's reading) refuses an empty list.
    if (!scan.value(target) || !scan.literal(":") || !scan.value_list(numbers) || numbers.empty())
        return false;
    scan.skip_spaces();
    if (!scan.literal("Operation:")) return false;
    scan.skip_spaces();
    if (!scan.operation(parsed)) return false;
    op = format_operation(parsed);
    return true;
}

}  // namespace

std::string spawn_block(const std::vector<std::string>& node_ids, int level) {
    std::string out = std::string(kCallingSubSearches) + "\n";
    for (std::size_t i = 0; i < node_ids.size(); ++i)
        out += "<Start Sub Search " + std::to_string(i) + " at level " + std::to_string(level) +
               "> Moving to Node #" + node_ids[i] + "\n";
    return out + std::string(kEndCallingSubSearches) + "\n";
}

std::string join_block(const std::vector<ChildResult>& children, int level) {
    std::string out = std::string(kSubSearches) + "\n";
    for (std::size_t i = 0; i < children.size(); ++i) {
        const ChildResult& c = children[i];
        const std::string where = " in Sub Search " + std::to_string(i) + " at level " +
                                  std::to_string(level) + " at Node #" + c.node_id + ">\n";
        if (c.solved)
            out += "<Goal Reached" + where + c.path + "\n";
        else
            out += "<No Solution" + where;
    }
    return out + std::string(kEndSubSearches) + "\n";
}

int spawn_level(std::string_view text) {
    std::size_t block = text.rfind(kCallingSubSearches);
    if (block == std::string_view::npos) return 1;
    constexpr std::string_view at_level = " at level ";
    std::size_t at = text.find(at_level, block);
    if (at == std::string_view::npos) return 1;
    int level = 0;
    for (std::size_t i = at + at_level.size(); i < text.size() && text[i] >= '0' && text[i] <= '9';
         ++i) {
        level = level * 10 + (text[i] - '0');
        if (level > 1000) return 1;
    }
    return level > 0 ? level : 1;
}

bool ends_with_spawn(std::string_view text) {
    std::size_t end = text.find_last_not_of(" \t\r\n");
    if (end == std::string_view::npos) return false;
    std::string_view trimmed = text.substr(0, end + 1);
    std::size_t newline = trimmed.rfind('\n');
    std::string_view last =
        newline == std::string_view::npos ? trimmed : trimmed.substr(newline + 1);
    return last.find(kEndCallingSubSearches) != std::string_view::npos;
}

Result<std::vector<SpawnRequest>> parse_spawn(std::string_view parent_text) {
    std::size_t block = parent_text.rfind(kCallingSubSearches);
    if (block == std::string_view::npos || !ends_with_spawn(parent_text))
        return protocol_error("the text does not end with a spawn block");

    // Every node the parent announced, by id.
    std::map<std::string, State> nodes;
    std::vector<std::string_view> lines = detail::split_lines(parent_text.substr(0, block));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].find(kMove) != std::string_view::npos && i + 1 < lines.size() &&
            lines[i + 1].find("Current State:") != std::string_view::npos) {
            std::string two(lines[i]);
            two += "\n";
            two += lines[i + 1];
            auto parsed = parse_state(two);
            if (parsed) nodes[parsed->state.node_id] = parsed->state;
            continue;
        }
        std::string id, op;
        std::vector<Value> numbers;
        if (!parse_generated(lines[i], id, numbers, op) || nodes.count(id)) continue;
        auto parent = nodes.find(parent_id(id));
        if (parent == nodes.end()) continue;  // unknown parent: the node cannot be rebuilt
        State s;
        s.node_id = id;
        s.target = parent->second.target;
        s.numbers = std::move(numbers);
        s.operations = parent->second.operations;
        s.operations.push_back(op);
        nodes[id] = std::move(s);
    }

    std::vector<SpawnRequest> out;
    for (std::string_view line : detail::split_lines(parent_text.substr(block))) {
        if (line.find("<Start Sub Search") == std::string_view::npos) continue;
        std::size_t at = line.find(kMove);
        if (at == std::string_view::npos)
            return protocol_error("no node in '" + std::string(line) + "'");
        detail::Scanner scan(line.substr(at + kMove.size()));
        std::string id;
        if (!scan.node_id(id))
            return protocol_error("malformed node id in '" + std::string(line) + "'");
        auto node = nodes.find(id);
        if (node == nodes.end()) return protocol_error("node #" + id + " was never generated");
        out.push_back(SpawnRequest{node->second, state_prompt(node->second)});
    }
    if (out.empty()) return protocol_error("the spawn block names no sub search");
    return out;
}

ChildResult child_result(std::string node_id, std::string_view child_text) {
    ChildResult out;
    out.node_id = std::move(node_id);
    std::vector<std::size_t> at;
    for (std::size_t pos = child_text.find(kGoal); pos != std::string_view::npos;
         pos = child_text.find(kGoal, pos + 1))
        at.push_back(pos);
    if (at.size() < 2) return out;
    std::size_t begin = child_text.find('\n', at[at.size() - 2]);
    std::size_t end = child_text.find('\n', at.back());
    // Both on one line: no text lies between them (and end - begin - 1 would wrap around).
    if (begin == std::string_view::npos || begin == end) return out;
    std::string_view path = child_text.substr(
        begin + 1, end == std::string_view::npos ? std::string_view::npos : end - begin - 1);
    std::size_t last = path.find_last_not_of(" \t\r\n");
    out.path = std::string(path.substr(0, last == std::string_view::npos ? 0 : last + 1));
    out.solved = !out.path.empty();
    return out;
}

Result<std::string> splice_join(std::string_view parent_text,
                                const std::vector<ChildResult>& children, int level) {
    std::size_t block = parent_text.rfind(kCallingSubSearches);
    if (block == std::string_view::npos)
        return protocol_error("no '<Calling Sub Searches>' to replace");
    return std::string(parent_text.substr(0, block)) + join_block(children, level);
}

}  // namespace braid::tasks::countdown
