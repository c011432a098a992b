#include "tasks/countdown/training/training_traces.hpp"

#include <nlohmann/json.hpp>

#include "tasks/countdown/direct_trace.hpp"
#include "tasks/countdown/prompt.hpp"
#include "tasks/countdown/rng.hpp"
#include "tasks/countdown/standin/apr_search.hpp"
#include "tasks/countdown/standin/search.hpp"
#include "tasks/countdown/training/held_out.hpp"
#include "tasks/jsonl.hpp"

namespace braid::tasks::countdown {

std::string_view to_string(TraceStyle style) {
    switch (style) {
        case TraceStyle::direct: return "direct";
        case TraceStyle::sosp: return "sosp";
        case TraceStyle::apr: return "apr";
    }
    return "direct";
}

std::optional<TraceStyle> parse_trace_style(std::string_view text) {
    for (TraceStyle style : {TraceStyle::direct, TraceStyle::sosp, TraceStyle::apr})
        if (text == to_string(style)) return style;
    return std::nullopt;
}

namespace {

void add_rows(TraceStyle style, const std::string& id, const Problem& problem,
              std::uint64_t problem_seed, std::vector<TrainingRow>& rows) {
    const State start = root_state(problem);
    switch (style) {
        case TraceStyle::direct: {
            std::vector<std::vector<std::string>> solutions = all_solutions(problem);
            Rng rng(problem_seed);
            const auto& chosen = solutions[static_cast<std::size_t>(rng.below(solutions.size()))];
            rows.push_back({id, "direct", root_prompt(problem), direct_completion(problem, chosen), true});
            return;
        }
        case TraceStyle::sosp: {
            SearchResult search = sos_plus_search(start, problem_seed);
            rows.push_back({id, "sosp", root_prompt(problem),
                            std::string(after_state_line(search.trace)), search.solved});
            return;
        }
        case TraceStyle::apr: {
            AprTrace trace = apr_search(start, problem_seed);
            for (RuntimeCall& call : render_runtime_calls(trace))
                rows.push_back({id, std::move(call.label), std::move(call.prompt),
                                std::move(call.completion), trace.solved});
            return;
        }
    }
}

}  // namespace

Result<std::vector<TrainingRow>> training_traces(TraceStyle style, NumberPool pool,
                                                 std::uint64_t seed, std::size_t count) {
    return training_traces_excluding(style, pool, seed, count, held_out_keys());
}

Result<std::vector<TrainingRow>> training_traces_excluding(
    TraceStyle style, NumberPool pool, std::uint64_t seed, std::size_t count,
    const std::unordered_set<std::string>& held_out) {
    if (seed < kFirstTrainingSeed)
        return make_error(ErrorCode::invalid_input,
                          "--seed " + std::to_string(seed) + " is an evaluation seed: training " +
                              "traces take seeds from " + std::to_string(kFirstTrainingSeed) + " on");
    if (count == 0) return make_error(ErrorCode::invalid_input, "--count must be at least 1");
    // generate(seed, n) is a prefix of generate(seed, n + k): draw more until `count` problems
    // survive the held-out filter.
    GeneratorOptions options;
    options.pool = pool;
    std::vector<Problem> problems;
    std::size_t kept = 0;
    for (std::size_t drawn = count; kept < count; drawn += count - kept) {
        problems = generate(seed, drawn, options);
        kept = 0;
        for (const Problem& problem : problems) kept += held_out.contains(problem_key(problem)) ? 0 : 1;
    }
    // Per-problem seeds for the searches and the choice of solution, one per drawn problem.
    Rng seeds(seed ^ 0x9e3779b97f4a7c15ULL);
    std::vector<TrainingRow> rows;
    std::size_t number = 0;
    for (const Problem& problem : problems) {
        const std::uint64_t problem_seed = seeds.next();
        if (held_out.contains(problem_key(problem))) continue;
        add_rows(style, "tr" + std::to_string(seed) + "-" + std::to_string(++number), problem,
                 problem_seed, rows);
    }
    return rows;
}

std::string training_row_jsonl(const TrainingRow& row) {
    return to_jsonl_line(nlohmann::json{{"problem", row.problem_id},
                                        {"call", row.call},
                                        {"prompt", row.prompt},
                                        {"completion", row.completion},
                                        {"solved", row.solved}});
}

}  // namespace braid::tasks::countdown
