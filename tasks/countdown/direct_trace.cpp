#include "tasks/countdown/direct_trace.hpp"

#include <algorithm>
#include <set>

#include "core/assert.hpp"
#include "tasks/countdown/prompt.hpp"
#include "tasks/countdown/rules.hpp"

namespace braid::tasks::countdown {

namespace {

struct Walk {
    Value target;
    std::vector<std::string> path;
    std::set<std::vector<std::string>> seen;
    std::vector<std::vector<std::string>> out;

    void visit(const std::vector<Value>& numbers) {
        if (numbers.size() == 1) {
            if (numbers[0] == target && seen.insert(path).second) out.push_back(path);
            return;
        }
        for (std::size_t i = 0; i < numbers.size(); ++i)
            for (std::size_t j = i + 1; j < numbers.size(); ++j)
                for (const Operation& move : combine(numbers[i], numbers[j])) {
                    std::vector<Value> next;
                    for (std::size_t k = 0; k < numbers.size(); ++k)
                        if (k != i && k != j) next.push_back(numbers[k]);
                    next.push_back(move.result);
                    path.push_back(format_operation(move));
                    visit(next);
                    path.pop_back();
                }
    }
};

// The numbers after applying `operation` to `numbers`: the two operands removed (first copies),
// the result appended — the order the searches write.
std::vector<Value> after_move(const std::vector<Value>& numbers, const Operation& operation) {
    std::vector<Value> next = numbers;
    for (Value operand : {operation.lhs, operation.rhs}) {
        auto it = std::find(next.begin(), next.end(), operand);
        BRAID_ASSERT(it != next.end(), "direct_completion: an operand is not among the numbers");
        next.erase(it);
    }
    next.push_back(operation.result);
    return next;
}

}  // namespace

std::vector<std::vector<std::string>> all_solutions(const Problem& problem) {
    Walk walk{problem.target, {}, {}, {}};
    walk.visit(to_values(problem.numbers));
    return std::move(walk.out);
}

std::string direct_completion(const Problem& problem, const std::vector<std::string>& operations) {
    BRAID_ASSERT(!operations.empty(), "direct_completion: no operations");
    const std::string t = std::to_string(problem.target);
    State state = root_state(problem);
    std::string out = "\n";
    for (std::size_t k = 0; k < operations.size(); ++k) {
        std::optional<Operation> move = parse_operation(operations[k]);
        BRAID_ASSERT(move.has_value(), "direct_completion: a malformed operation");
        state.numbers = after_move(state.numbers, *move);
        state.operations.push_back(operations[k]);
        out += "Exploring Operation: " + operations[k] +
               ", Resulting Numbers: " + format_numbers(state.numbers) + "\n";
        if (k + 1 == operations.size()) break;
        state.node_id += ",0";
        out += "Generated Node #" + state.node_id + ": " + t + ":" +
               format_numbers(state.numbers) + " Operation: " + operations[k] + "\n";
        out += "Moving to Node #" + state.node_id + "\n";
        out += state_line(state) + "\n";
    }
    BRAID_ASSERT(state.numbers.size() == 1 && state.numbers[0] == problem.target,
                 "direct_completion: the operations do not reach the target");
    return out + t + "," + t + " equal: Goal Reached\n";
}

}  // namespace braid::tasks::countdown
