#include "tasks/countdown/checker.hpp"

#include <algorithm>

#include "tasks/countdown/text_scan.hpp"

namespace braid::tasks::countdown {

namespace {

constexpr std::string_view kGoal = "Goal Reached";
constexpr std::string_view kExploring = "Exploring Operation:";

CheckResult fail(CheckResult result, std::string reason) {
    result.solved = false;
    result.reason = std::move(reason);
    return result;
}

// Removes one copy of `v` from `pool`; false if absent.
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

// The solution path: the text after the line holding the second-to-last "Goal Reached" (a search
// that ends with its clean replay), or the whole trace when it has exactly one (a direct
// solution, read from the start state). nullopt when there is none.
std::optional<std::string_view> solution_path(std::string_view trace) {
    std::vector<std::size_t> at;
    for (std::size_t pos = trace.find(kGoal); pos != std::string_view::npos;
         pos = trace.find(kGoal, pos + 1))
        at.push_back(pos);
    if (at.empty()) return std::nullopt;
    if (at.size() == 1) return trace;
    std::size_t line_end = trace.find('\n', at[at.size() - 2]);
    if (line_end == std::string_view::npos) return std::string_view{};
    return trace.substr(line_end + 1);
}

}  // namespace

CheckResult check_trace(const State& start, std::string_view trace) {
    CheckResult result;
    result.start_numbers = start.numbers;
    result.target = start.target;

    std::optional<std::string_view> path = solution_path(trace);
    if (!path) return fail(std::move(result), "no 'Goal Reached' line in the trace");

    std::vector<Value> current = start.numbers;
    for (std::string_view line : detail::split_lines(*path)) {
        std::size_t at = line.find(kExploring);
        if (at != std::string_view::npos) {
            detail::Scanner scan(line.substr(at + kExploring.size()));
            scan.skip_spaces();
            Operation op;
            std::vector<Value> stated;
            bool ok = scan.operation(op);
            ok = ok && scan.literal(",");
            scan.skip_spaces();
            ok = ok && scan.literal("Resulting Numbers:");
            scan.skip_spaces();
            ok = ok && scan.value_list(stated);
            if (!ok) return fail(std::move(result), "malformed line '" + std::string(line) + "'");

            const std::string shown = format_operation(op);
            std::vector<Value> next = current;
            if (!take(next, op.lhs) || !take(next, op.rhs))
                return fail(std::move(result), "operation " + shown + " uses a number not in " +
                                                   format_numbers(current));
            Result<Value> value = evaluate(op.lhs, op.op, op.rhs);
            if (!value)
                return fail(std::move(result), "operation " + shown + ": " + value.error().message);
            if (*value != op.result)
                return fail(std::move(result), "operation " + shown +
                                                   " is wrong arithmetic: the result is " +
                                                   std::to_string(*value));
            next.push_back(op.result);
            if (!same_multiset(next, stated))
                return fail(std::move(result), "after " + shown + " the numbers are " +
                                                   format_numbers(next) + ", not " +
                                                   format_numbers(stated));
            current = std::move(stated);
            result.operations.push_back(shown);
        }
        if (line.find(kGoal) != std::string_view::npos) {
            if (current.size() == 1 && current[0] == start.target) {
                result.solved = true;
                result.reason = "ok";
                return result;
            }
            return fail(std::move(result), "'Goal Reached' declared with numbers " +
                                               format_numbers(current) + ", not [" +
                                               std::to_string(start.target) + "]");
        }
    }
    return fail(std::move(result), "the solution path has no 'Goal Reached' line");
}

CheckResult check_trace(const Problem& problem, std::string_view trace) {
    return check_trace(root_state(problem), trace);
}

CheckResult check_prompt_trace(std::string_view prompt, std::string_view trace) {
    auto parsed = parse_state(prompt);
    if (!parsed) {
        CheckResult result;
        result.reason = "cannot read the prompt's state: " + parsed.error().message;
        return result;
    }
    return check_trace(parsed->state, trace);
}

namespace {

// One number of the multiset as an expression over the start numbers.
struct Term {
    Value value = 0;
    char op = 0;                     // 0 for a start number
    std::vector<std::string> parts;  // operands of a flattened + or * chain, sorted
    std::string text;
};

Term combine_terms(const Term& a, char op, const Term& b, Value value) {
    Term t;
    t.value = value;
    t.op = op;
    if (op == '+' || op == '*') {
        for (const Term* side : {&a, &b}) {
            if (side->op == op)
                t.parts.insert(t.parts.end(), side->parts.begin(), side->parts.end());
            else
                t.parts.push_back(side->text);
        }
        std::sort(t.parts.begin(), t.parts.end());
        t.text = "(";
        for (std::size_t i = 0; i < t.parts.size(); ++i)
            t.text += (i ? std::string(1, op) : "") + t.parts[i];
        t.text += ")";
    } else {
        t.text = "(" + a.text + op + b.text + ")";
    }
    return t;
}

// Takes the term with value `v` whose text sorts first (duplicates make the choice ambiguous).
std::optional<Term> take_term(std::vector<Term>& pool, Value v) {
    auto best = pool.end();
    for (auto it = pool.begin(); it != pool.end(); ++it)
        if (it->value == v && (best == pool.end() || it->text < best->text)) best = it;
    if (best == pool.end()) return std::nullopt;
    Term t = std::move(*best);
    pool.erase(best);
    return t;
}

}  // namespace

std::string normalized_answer(const CheckResult& result) {
    if (!result.solved) return "no-solution";
    std::vector<Term> pool;
    for (Value v : result.start_numbers) pool.push_back(Term{v, 0, {}, std::to_string(v)});
    for (const std::string& text : result.operations) {
        auto op = parse_operation(text);
        if (!op) return "no-solution";  // cannot happen for a verified path
        auto a = take_term(pool, op->lhs);
        auto b = a ? take_term(pool, op->rhs) : std::nullopt;
        if (!a || !b) return "no-solution";
        pool.push_back(combine_terms(*a, op->op, *b, op->result));
    }
    if (pool.size() != 1) return "no-solution";
    return pool.front().text;
}

}  // namespace braid::tasks::countdown
