#include "tasks/countdown/generator.hpp"

#include "core/assert.hpp"
#include "tasks/countdown/rng.hpp"
#include "tasks/countdown/rules.hpp"
#include "tasks/jsonl.hpp"

namespace braid::tasks::countdown {

std::vector<Problem> generate(std::uint64_t seed, std::size_t count,
                              const GeneratorOptions& options) {
    BRAID_ASSERT(options.num_count >= kMinNumbers && options.num_count <= kMaxNumbers,
                 "generator: number count out of range");
    BRAID_ASSERT(options.min_number >= 1 && options.min_number <= options.max_number,
                 "generator: bad number range");
    BRAID_ASSERT(options.min_target >= 1 && options.min_target <= options.max_target,
                 "generator: bad target range");
    Rng rng(seed);
    std::vector<Problem> out;
    while (out.size() < count) {
        Problem p;
        for (std::size_t i = 0; i < options.num_count; ++i)
            p.numbers.push_back(
                static_cast<int>(rng.uniform(options.min_number, options.max_number)));
        p.target = static_cast<int>(rng.uniform(options.min_target, options.max_target));
        if (solve(p)) out.push_back(std::move(p));
    }
    return out;
}

std::vector<std::string> problems_to_jsonl(const std::vector<Problem>& problems,
                                           const std::string& id_prefix) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < problems.size(); ++i)
        lines.push_back(
            to_jsonl_line(problem_to_json(id_prefix + std::to_string(i + 1), problems[i])));
    return lines;
}

}  // namespace braid::tasks::countdown
