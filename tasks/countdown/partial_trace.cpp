#include "tasks/countdown/partial_trace.hpp"

#include <algorithm>

#include "tasks/countdown/standin/search_tree.hpp"
#include "tasks/countdown/text_scan.hpp"

namespace braid::tasks::countdown {

namespace {

constexpr std::string_view kState = "Current State:";
constexpr std::string_view kExploring = "Exploring Operation:";
constexpr std::string_view kGoal = "equal: Goal Reached";  // "T,T equal: Goal Reached"
constexpr double kClosenessWeight = 0.5;

bool take(std::vector<Value>& pool, Value v) {
    auto it = std::find(pool.begin(), pool.end(), v);
    if (it == pool.end()) return false;
    pool.erase(it);
    return true;
}

bool same_multiset(std::vector<Value> a, std::vector<Value> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
}

// The numbers after applying `op` to `numbers`, or "" in `why` and nullopt when it breaks a rule.
std::optional<std::vector<Value>> apply(const std::vector<Value>& numbers, const Operation& op,
                                        std::string& why) {
    const std::string shown = format_operation(op);
    std::vector<Value> next = numbers;
    if (!take(next, op.lhs) || !take(next, op.rhs)) {
        why = "operation " + shown + " uses a number not in " + format_numbers(numbers);
        return std::nullopt;
    }
    Result<Value> value = evaluate(op.lhs, op.op, op.rhs);
    if (!value) {
        why = "operation " + shown + ": " + value.error().message;
        return std::nullopt;
    }
    if (*value != op.result) {
        why =
            "operation " + shown + " is wrong arithmetic: the result is " + std::to_string(*value);
        return std::nullopt;
    }
    next.push_back(op.result);
    return next;
}

class PartialChecker {
public:
    explicit PartialChecker(const State& start)
        : start_(start), tree_(start.target), current_(start.numbers), last_(start.numbers) {
        consider(start.numbers);
    }

    // Checks one line; false (with reason_) when it breaks a rule.
    bool line(std::string_view text) {
        if (text.find(kState) != std::string_view::npos) return state_line(text);
        if (std::size_t at = text.find(kExploring); at != std::string_view::npos)
            return exploring_line(text.substr(at + kExploring.size()));
        if (text.find(kGoal) != std::string_view::npos) {
            if (last_ == std::vector<Value>{start_.target}) return true;
            reason_ = "'Goal Reached' declared with numbers " + format_numbers(last_) + ", not [" +
                      std::to_string(start_.target) + "]";
            return false;
        }
        return true;
    }

    // Whether `text` (a last line without its newline) already parses as a checked line.
    static bool complete(std::string_view text) {
        if (text.find(kState) != std::string_view::npos) return parse_state(text).has_value();
        std::size_t at = text.find(kExploring);
        if (at == std::string_view::npos) return text.find(kGoal) != std::string_view::npos;
        Operation op;
        std::vector<Value> stated;
        return scan_exploring(text.substr(at + kExploring.size()), op, stated);
    }

    PartialTrace result() const {
        PartialTrace out;
        out.best_numbers = best_;
        out.score = best_score_;
        return out;
    }
    const std::string& reason() const { return reason_; }

private:
    static bool scan_exploring(std::string_view rest, Operation& op, std::vector<Value>& stated) {
        detail::Scanner scan(rest);
        scan.skip_spaces();
        bool ok = scan.operation(op) && scan.literal(",");
        scan.skip_spaces();
        ok = ok && scan.literal("Resulting Numbers:");
        scan.skip_spaces();
        return ok && scan.value_list(stated);
    }

    bool state_line(std::string_view text) {
        auto parsed = parse_state(text);
        if (!parsed) {
            reason_ = parsed.error().message;
            return false;
        }
        const State& s = parsed->state;
        if (s.target != start_.target) {
            reason_ = "state line with target " + std::to_string(s.target) + ", not " +
                      std::to_string(start_.target);
            return false;
        }
        // The state's operations must extend the start's and lead from its numbers to s.numbers.
        std::vector<Value> numbers = start_.numbers;
        const std::size_t own = start_.operations.size();
        if (s.operations.size() < own ||
            !std::equal(start_.operations.begin(), start_.operations.end(), s.operations.begin())) {
            reason_ = "state line whose operations do not extend the start's";
            return false;
        }
        for (std::size_t i = own; i < s.operations.size(); ++i) {
            auto next = apply(numbers, *parse_operation(s.operations[i]), reason_);
            if (!next) return false;
            numbers = std::move(*next);
        }
        if (!same_multiset(numbers, s.numbers)) {
            reason_ = "state line lists " + format_numbers(s.numbers) +
                      " but its operations give " + format_numbers(numbers);
            return false;
        }
        current_ = s.numbers;
        last_ = s.numbers;
        consider(s.numbers);
        return true;
    }

    bool exploring_line(std::string_view rest) {
        Operation op;
        std::vector<Value> stated;
        if (!scan_exploring(rest, op, stated)) {
            reason_ = "malformed line 'Exploring Operation:" + std::string(rest) + "'";
            return false;
        }
        auto next = apply(current_, op, reason_);
        if (!next) return false;
        if (!same_multiset(*next, stated)) {
            reason_ = "after " + format_operation(op) + " the numbers are " +
                      format_numbers(*next) + ", not " + format_numbers(stated);
            return false;
        }
        last_ = stated;
        consider(stated);
        return true;
    }

    void consider(const std::vector<Value>& numbers) {
        double score = 1.0;
        if (numbers != std::vector<Value>{start_.target}) {
            const double target = static_cast<double>(std::max<Value>(start_.target, 1));
            const double h = static_cast<double>(tree_.score(numbers));
            const double closeness = 1.0 / (1.0 + h / target);
            const double start_count = static_cast<double>(start_.numbers.size());
            const double progress =
                start_count > 1
                    ? (start_count - static_cast<double>(numbers.size())) / (start_count - 1)
                    : 0.0;
            score = kClosenessWeight * closeness +
                    (1 - kClosenessWeight) * std::clamp(progress, 0.0, 1.0);
            score = std::min(score, 1.0 - 1e-9);  // 1 only for exactly [T]
        }
        if (best_.empty() || score > best_score_) {
            best_score_ = score;
            best_ = numbers;
        }
    }

    State start_;
    detail::SearchTree tree_;
    std::vector<Value> current_;  // the node the trace is at
    std::vector<Value> last_;     // the numbers of the last state or move
    std::vector<Value> best_;
    double best_score_ = 0;
    std::string reason_;
};

}  // namespace

PartialTrace score_partial_trace(const State& start, std::string_view text) {
    PartialChecker checker(start);
    std::vector<std::string_view> lines = detail::split_lines(text);
    const bool open_tail = !text.empty() && text.back() != '\n';
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (open_tail && i + 1 == lines.size() && !PartialChecker::complete(lines[i])) break;
        if (!checker.line(lines[i])) {
            PartialTrace broken;
            broken.valid = false;
            broken.reason = checker.reason();
            return broken;
        }
    }
    return checker.result();
}

PartialTrace score_partial_trace(const Problem& problem, std::string_view text) {
    return score_partial_trace(root_state(problem), text);
}

}  // namespace braid::tasks::countdown
