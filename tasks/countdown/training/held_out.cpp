#include "tasks/countdown/training/held_out.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace braid::tasks::countdown {

std::vector<Problem> held_out_problems(NumberPool pool, std::size_t count) {
    BRAID_ASSERT(count <= kHeldOutCount, "held_out_problems: more than the held-out set");
    GeneratorOptions options;
    options.pool = pool;
    return generate(kHeldOutSeed, count, options);
}

std::string problem_key(const Problem& problem) {
    std::vector<int> numbers = problem.numbers;
    std::sort(numbers.begin(), numbers.end());
    std::string key;
    for (std::size_t i = 0; i < numbers.size(); ++i)
        key += (i > 0 ? "," : "") + std::to_string(numbers[i]);
    return key + ":" + std::to_string(problem.target);
}

std::unordered_set<std::string> held_out_keys() {
    std::unordered_set<std::string> keys;
    for (NumberPool pool : {NumberPool::uniform, NumberPool::classic})
        for (const Problem& problem : held_out_problems(pool)) keys.insert(problem_key(problem));
    return keys;
}

}  // namespace braid::tasks::countdown
