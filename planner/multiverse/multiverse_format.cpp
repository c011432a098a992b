#include "planner/multiverse/multiverse_format.hpp"

#include <algorithm>
#include <array>

namespace braid::planner::multiverse {

namespace {

constexpr std::array<std::string_view, 5> kTagNames = {"Parallel", "Goal", "Outline", "Path",
                                                       "Conclusion"};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::size_t skip_spaces(std::string_view s, std::size_t at) {
    while (at < s.size() && is_space(s[at])) ++at;
    return at;
}

// The id after an `<Outline>` tag ending at `at`: [0-9]+(\.[0-9]+)* between optional spaces,
// followed by ':'. nullopt when the text there does not match.
std::optional<std::string> outline_id(std::string_view s, std::size_t at) {
    at = skip_spaces(s, at);
    std::size_t start = at;
    while (true) {
        std::size_t digits = at;
        while (at < s.size() && is_digit(s[at])) ++at;
        if (at == digits) return std::nullopt;  // a dot not followed by digits, or no digits
        if (at + 1 < s.size() && s[at] == '.' && is_digit(s[at + 1])) {
            ++at;
            continue;
        }
        break;
    }
    std::string id(s.substr(start, at - start));
    at = skip_spaces(s, at);
    if (at >= s.size() || s[at] != ':') return std::nullopt;
    return id;
}

Error parse_error(std::string message) {
    return make_error(ErrorCode::parse, std::move(message));
}

}  // namespace

std::string path_start(std::string_view id) {
    return std::string(kPathOpen) + "\n" + std::string(id) + ":";
}

std::size_t count_tag(std::string_view text, std::string_view tag) {
    std::size_t n = 0;
    for (std::size_t at = text.find(tag); at != std::string_view::npos;
         at = text.find(tag, at + tag.size()))
        ++n;
    return n;
}

Result<std::vector<std::string>> goal_outline_ids(std::string_view own_text) {
    auto open = open_tags(own_text);
    if (!open) return std::move(open).error();
    const std::vector<std::string>& tags = *open;
    if (tags.empty() || tags.back() != "Goal")
        return parse_error("unbalanced tags: </Goal> with no open <Goal>");
    if (tags.size() < 2 || tags[tags.size() - 2] != "Parallel")
        return parse_error("unbalanced tags: <Goal> outside a <Parallel>");

    std::string_view goal = own_text.substr(own_text.rfind(kGoalOpen) + kGoalOpen.size());
    std::vector<std::string> ids;
    for (std::size_t at = goal.find(kOutlineOpen); at != std::string_view::npos;
         at = goal.find(kOutlineOpen, at + kOutlineOpen.size())) {
        auto id = outline_id(goal, at + kOutlineOpen.size());
        if (!id) continue;  // an outline without an id: the regex skips it too
        if (std::find(ids.begin(), ids.end(), *id) != ids.end())
            return parse_error("duplicate outline id '" + *id + "'");
        ids.push_back(std::move(*id));
    }
    if (ids.empty()) return parse_error("</Goal> with no outline (no '<Outline> N:' in the goal)");
    return ids;
}

Result<std::vector<std::string>> open_tags(std::string_view own_text) {
    std::vector<std::string> stack;
    for (std::size_t at = own_text.find('<'); at != std::string_view::npos;
         at = own_text.find('<', at + 1)) {
        bool closing = at + 1 < own_text.size() && own_text[at + 1] == '/';
        std::size_t name_at = at + (closing ? 2 : 1);
        for (std::string_view name : kTagNames) {
            if (own_text.substr(name_at, name.size() + 1) != std::string(name) + ">") continue;
            if (!closing) {
                stack.emplace_back(name);
            } else if (stack.empty()) {
                return parse_error("unbalanced tags: </" + std::string(name) +
                                   "> with no open tag");
            } else if (stack.back() != name) {
                return parse_error("unbalanced tags: </" + std::string(name) + "> closes <" +
                                   stack.back() + ">");
            } else {
                stack.pop_back();
            }
            break;
        }
    }
    return stack;
}

}  // namespace braid::planner::multiverse
