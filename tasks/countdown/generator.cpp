#include "tasks/countdown/generator.hpp"

#include "core/assert.hpp"
#include "tasks/countdown/rng.hpp"
#include "tasks/countdown/rules.hpp"
#include "tasks/jsonl.hpp"

namespace braid::tasks::countdown {

namespace {

// The classic pool's cards, drawn without replacement.
std::vector<int> classic_cards() {
    std::vector<int> cards;
    for (int n = 1; n <= 10; ++n) cards.insert(cards.end(), {n, n});
    cards.insert(cards.end(), {25, 50, 75, 100});
    return cards;
}

std::vector<int> draw_numbers(Rng& rng, const GeneratorOptions& options) {
    std::vector<int> numbers;
    if (options.pool == NumberPool::uniform) {
        for (std::size_t i = 0; i < options.num_count; ++i)
            numbers.push_back(static_cast<int>(rng.uniform(options.min_number, options.max_number)));
        return numbers;
    }
    std::vector<int> cards = classic_cards();
    for (std::size_t i = 0; i < options.num_count; ++i) {
        const std::size_t pick = static_cast<std::size_t>(rng.below(cards.size()));
        numbers.push_back(cards[pick]);
        cards.erase(cards.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    return numbers;
}

}  // namespace

std::string_view to_string(NumberPool pool) {
    switch (pool) {
        case NumberPool::uniform: return "uniform";
        case NumberPool::classic: return "classic";
    }
    return "uniform";
}

std::optional<NumberPool> parse_number_pool(std::string_view text) {
    for (NumberPool pool : {NumberPool::uniform, NumberPool::classic})
        if (text == to_string(pool)) return pool;
    return std::nullopt;
}

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
        p.numbers = draw_numbers(rng, options);
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
