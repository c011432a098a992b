#include "orchestrator/summary_output.hpp"
#include "core/json_text.hpp"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

namespace braid::orchestrator {

nlohmann::json summary_json(const RunSummary& s, const RunConfig& config) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const TaskResult& t : s.tasks) {
        nlohmann::json row{{"id", t.id},
                           {"status", std::string(store::outcome_name(t.status))},
                           {"answer", t.answer},
                           {"candidates", t.candidates}};
        if (!t.error.empty()) row["error"] = t.error;
        row["metrics"] = planner::to_json(t.metrics);
        tasks.push_back(std::move(row));
    }
    return nlohmann::json{{"run", s.run.value},
                          {"status", std::string(store::to_string(s.status))},
                          {"strategy", config.strategy},
                          {"backend", std::string(backend_name(config))},
                          {"samples", config.strategy_options.samples},
                          {"solved", s.count(store::TaskStatus::solved)},
                          {"total", s.tasks.size()},
                          {"tasks", std::move(tasks)},
                          {"prompt_tokens", s.usage.prompt_tokens},
                          {"completion_tokens", s.usage.completion_tokens},
                          {"cost_usd", s.cost_usd},
                          {"model_calls", s.model_calls},
                          {"stored_completions", s.stored_completions},
                          {"wall_s", s.wall_s},
                          {"exit_code", s.exit_code()}};
}

namespace {

// A multi-line answer (a patch's key) as its first line and how many more there are.
std::string one_line(const std::string& answer) {
    const std::size_t newline = answer.find('\n');
    if (newline == std::string::npos || newline + 1 == answer.size()) return answer.substr(0, newline);
    std::size_t more = 0;
    for (std::size_t i = newline + 1; i < answer.size(); ++i) more += answer[i] == '\n';
    if (answer.back() != '\n') ++more;
    return answer.substr(0, newline) + " (+" + std::to_string(more) + " lines)";
}

}  // namespace

void print_summary(const RunSummary& s, const RunConfig& config, bool json) {
    if (json) {
        std::cout << json_text(summary_json(s, config)) << "\n";
        return;
    }
    std::printf("run %lld: %s x%d on %s, %zu tasks\n", static_cast<long long>(s.run.value),
                config.strategy.c_str(), config.strategy_options.samples,
                std::string(backend_name(config)).c_str(), s.tasks.size());
    for (const TaskResult& t : s.tasks) {
        std::printf("  %-16s %-16s %zu candidates", t.id.c_str(),
                    std::string(store::outcome_name(t.status)).c_str(), t.candidates);
        if (!t.answer.empty()) std::printf("  answer: %s", one_line(t.answer).c_str());
        if (!t.error.empty()) std::printf("  (%s)", t.error.c_str());
        std::printf("\n");
    }
    std::printf(
        "solved %zu/%zu | tokens %lld (prompt %lld, completion %lld) | cost $%.4f | model calls "
        "%zu | "
        "from store %zu | %.2f s\n",
        s.count(store::TaskStatus::solved), s.tasks.size(),
        static_cast<long long>(s.usage.total_tokens()),
        static_cast<long long>(s.usage.prompt_tokens),
        static_cast<long long>(s.usage.completion_tokens), s.cost_usd, s.model_calls,
        s.stored_completions, s.wall_s);
    planner::PlanMetrics plan;
    for (const TaskResult& t : s.tasks) plan += t.metrics;
    if (plan.threads > 0)
        std::printf("plan: %d threads, max depth %d | tokens %lld (shared prefixes once), longest critical path %lld\n",
                    plan.threads, plan.max_depth, static_cast<long long>(plan.total_tokens),
                    static_cast<long long>(plan.critical_path_tokens));
}

}  // namespace braid::orchestrator
