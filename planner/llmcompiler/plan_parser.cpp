#include "planner/llmcompiler/plan_parser.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "planner/llmcompiler/python_literal.hpp"

namespace braid::planner::llmcompiler {

namespace {

constexpr std::size_t kMaxIdDigits = 6;

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool is_word(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// A reference at `i` ('$'): its id and length, or length 0.
std::pair<int, std::size_t> reference_at(std::string_view s, std::size_t i) {
    std::size_t j = i + 1;
    bool brace = j < s.size() && s[j] == '{';
    if (brace) ++j;
    std::size_t start = j;
    int id = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) &&
           j - start < kMaxIdDigits)
        id = id * 10 + (s[j++] - '0');
    if (j == start) return {0, 0};
    if (brace && j < s.size() && s[j] == '}')
        ++j;  // `\$\{?(\d+)\}?`: the closing brace is optional
    return {id, j - i};
}

// "<digits>. <word>(" at the start of `s`: the id, the tool name and the offset after '('.
struct StepHead {
    int id = 0;
    std::string tool;
    std::size_t args_begin = 0;
};

std::optional<StepHead> step_head(std::string_view s) {
    std::size_t i = 0;
    StepHead head;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i < kMaxIdDigits)
        head.id = head.id * 10 + (s[i++] - '0');
    if (i == 0 || i + 1 >= s.size() || s[i] != '.' || s[i + 1] != ' ') return std::nullopt;
    i += 2;
    std::size_t name_begin = i;
    while (i < s.size() && is_word(s[i])) ++i;
    if (i == name_begin || i >= s.size() || s[i] != '(') return std::nullopt;
    head.tool = std::string(s.substr(name_begin, i - name_begin));
    head.args_begin = i + 1;
    return head;
}

// What may follow the closing parenthesis: whitespace, optionally one `#word` comment.
bool tail_ok(std::string_view rest) {
    rest = trim(rest);
    if (rest.empty()) return true;
    if (rest[0] != '#' || rest.size() < 2) return false;
    return std::all_of(rest.begin() + 1, rest.end(), is_word);
}

}  // namespace

std::vector<int> referenced_ids(std::string_view text) {
    std::vector<int> ids;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$') continue;
        auto [id, len] = reference_at(text, i);
        if (len == 0) continue;
        ids.push_back(id);
        i += len - 1;
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::string substitute_references(std::string_view text, const std::map<int, std::string>& values) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '$') {
            auto [id, len] = reference_at(text, i);
            auto it = len ? values.find(id) : values.end();
            if (it != values.end()) {
                out += it->second;
                i += len - 1;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

StreamingPlanParser::StreamingPlanParser(std::vector<std::string> tools, std::set<int> earlier)
    : tools_(std::move(tools)), known_(std::move(earlier)) {
    if (!known_.empty()) last_id_ = *known_.rbegin();
}

void StreamingPlanParser::fail(std::string why) {
    if (failure_.empty()) failure_ = std::move(why);
}

std::vector<PlanStep> StreamingPlanParser::feed(std::string_view chunk) {
    std::vector<PlanStep> out;
    text_ += chunk;
    for (char c : chunk) {
        if (c != '\n') {
            buffer_ += c;
            continue;
        }
        std::string done = std::move(buffer_);
        buffer_.clear();
        line(done, out);
    }
    return out;
}

std::vector<PlanStep> StreamingPlanParser::finish() {
    std::vector<PlanStep> out;
    if (finished_) return out;
    finished_ = true;
    if (!buffer_.empty()) {
        std::string done = std::move(buffer_);
        buffer_.clear();
        line(done, out);
    }
    if (!failed() && steps_.empty()) fail("the planner wrote no plan steps");
    return out;
}

void StreamingPlanParser::line(std::string_view raw, std::vector<PlanStep>& out) {
    if (failed() || closed_) return;  // after <END_OF_PLAN>, nothing counts
    std::string_view text = raw;
    bool end_marker = false;
    if (std::size_t at = text.find(kEndOfPlan); at != std::string_view::npos) {
        text = text.substr(0, at);
        end_marker = true;
    }
    text = trim(text);
    if (text.rfind("Thought:", 0) == 0) {
        if (!joined_) thought_ += (thought_.empty() ? "" : " ") + std::string(trim(text.substr(8)));
    } else if (auto head = step_head(text)) {
        std::size_t close = text.rfind(')');
        if (close == std::string_view::npos || close < head->args_begin ||
            !tail_ok(text.substr(close + 1))) {
            fail("step " + std::to_string(head->id) + " is not a complete call: '" +
                 std::string(text) + "'");
            return;
        }
        if (joined_) {
            fail(head->tool == "join" ? "a second join() (step " + std::to_string(head->id) + ")"
                                      : "step " + std::to_string(head->id) + " comes after join()");
            return;
        }
        PlanStep step;
        step.id = head->id;
        step.tool = head->tool;
        step.args_text = std::string(text.substr(head->args_begin, close - head->args_begin));
        if (step.id <= last_id_) {
            fail("step ids must increase: step " + std::to_string(step.id) + " after step " +
                 std::to_string(last_id_));
            return;
        }
        if (!step.is_join() && std::find(tools_.begin(), tools_.end(), step.tool) == tools_.end()) {
            fail("step " + std::to_string(step.id) + " calls an unknown tool '" + step.tool + "'");
            return;
        }
        if (step.is_join()) {
            for (const PlanStep& s : steps_) step.deps.push_back(s.id);
            step.args = nlohmann::json::array();
        } else {
            for (int ref : referenced_ids(step.args_text)) {
                if (!known_.count(ref)) {
                    fail("step " + std::to_string(step.id) + " refers to $" + std::to_string(ref) +
                         ", which is not an earlier step");
                    return;
                }
                step.deps.push_back(ref);
            }
            auto args = parse_python_args(step.args_text);
            step.args = args ? std::move(*args)
                             : nlohmann::json::array({std::string(trim(step.args_text))});
        }
        step.thought = std::move(thought_);
        thought_.clear();
        last_id_ = step.id;
        known_.insert(step.id);
        steps_.push_back(step);
        out.push_back(std::move(step));
        if (steps_.back().is_join()) {
            joined_ = true;
            ended_ = true;
        }
    }
    if (end_marker) {
        ended_ = true;
        closed_ = true;
    }
}

}  // namespace braid::planner::llmcompiler
