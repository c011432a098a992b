// bench/planners: APR vs serial SoS+ vs best-of-N on Countdown at equal total-token budgets, with
// the symbolic models (tasks/countdown): the SoS+ model for the serial and best-of-N rows, the APR
// model for the apr row. Each task gets its own ledger account limited to the budget; every call
// reserves its worst case there first, so no strategy spends more than the budget on a task.
//
//   serial      one SoS+ thread, its completion capped to the budget
//   best-of-n   up to --samples SoS+ threads of --max-tokens each, as many as the budget reserves;
//               the checker picks
//   apr         one APR root; children as the model spawns them, each call --max-tokens at most;
//               a child the budget refuses joins as no-solution
//
// Printed per budget and strategy: accuracy, mean total tokens (shared prefixes once), mean
// critical-path tokens, mean threads and mean wall time per task, and each ratio against serial.
// Tasks run one at a time; the models stream one line per --line-us microseconds, so wall time
// shows what parallel threads save in latency.
//
// Usage: planners [PROBLEMS=200] [--line-us 20] [--budgets 4096,16384,65536] [--seed 1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/budget.hpp"
#include "planner/strategy.hpp"
#include "store/store.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/standin/symbolic_backend.hpp"
#include "workers/thread_context.hpp"

using namespace braid;
namespace cd = braid::tasks::countdown;
using Clock = std::chrono::steady_clock;

namespace {

struct Row {
    std::string strategy;
    double accuracy = 0;
    double total_tokens = 0;
    double critical_tokens = 0;
    double threads = 0;
    double wall_ms = 0;
};

struct Config {
    std::size_t problems = 200;
    std::int64_t line_us = 20;
    std::vector<std::int64_t> budgets{4096, 16384, 65536};
    std::uint64_t seed = 1;
};

Row run_strategy(const std::string& label, const std::string& strategy_name, cd::SymbolicStyle style,
                 planner::StrategyOptions options, std::int64_t budget, const std::vector<cd::Problem>& problems,
                 const Config& config, const std::filesystem::path& db_path) {
    std::filesystem::remove(db_path);
    auto db = store::Store::open(db_path);
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec(*db, run);
    Logger log{LogLevel::off};
    Ledger ledger;
    cd::SymbolicOptions model_options;
    model_options.style = style;
    model_options.pacing.delay_per_chunk = std::chrono::microseconds(config.line_us);
    cd::SymbolicBackend model(model_options);
    workers::RunServices services{rec, model, ledger, log, config.seed, ""};
    auto strategy = planner::make_strategy(strategy_name, options);
    if (!strategy) {
        std::fprintf(stderr, "planners: %s\n", strategy.error().describe().c_str());
        std::exit(2);
    }
    const tasks::TaskKind& kind = *tasks::find_task_kind("countdown");
    Amount limit = parse_budget("tokens=" + std::to_string(budget)).value();

    Row row;
    row.strategy = label;
    asio::io_context io;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        const cd::Problem& p = problems[i];
        tasks::Task task{"cd-" + std::to_string(i), "countdown",
                         nlohmann::json{{"id", "cd"}, {"kind", "countdown"}, {"numbers", p.numbers}, {"target", p.target}}};
        planner::TaskScope scope;
        scope.task = &task;
        scope.kind = &kind;
        scope.path = "t/" + task.id;
        scope.node = rec.create_node(NodeId{0}, scope.path, store::NodeKind::task, task.id);
        scope.account = ledger.open(ledger.root(), scope.path, limit);
        const auto started = Clock::now();
        planner::TaskOutcome outcome = async::run_sync(io, (*strategy)->solve(services, scope));
        row.wall_ms += std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        io.restart();
        row.accuracy += outcome.status == store::TaskStatus::solved ? 1 : 0;
        row.total_tokens += static_cast<double>(outcome.metrics.total_tokens);
        row.critical_tokens += static_cast<double>(outcome.metrics.critical_path_tokens);
        row.threads += outcome.metrics.threads;
    }
    db->flush_sync();
    const auto n = static_cast<double>(problems.size());
    row.accuracy /= n;
    row.total_tokens /= n;
    row.critical_tokens /= n;
    row.threads /= n;
    row.wall_ms /= n;
    return row;
}

std::vector<std::int64_t> parse_list(const std::string& text) {
    std::vector<std::int64_t> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        out.push_back(std::stoll(text.substr(start, comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    Config config;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--line-us" && i + 1 < argc)
            config.line_us = std::stoll(argv[++i]);
        else if (a == "--budgets" && i + 1 < argc)
            config.budgets = parse_list(argv[++i]);
        else if (a == "--seed" && i + 1 < argc)
            config.seed = std::stoull(argv[++i]);
        else if (!a.empty() && a[0] != '-')
            config.problems = std::stoull(a);
        else {
            std::fprintf(stderr, "usage: planners [PROBLEMS=200] [--line-us 20] [--budgets 4096,16384,65536] [--seed 1]\n");
            return 2;
        }
    }
    const std::vector<cd::Problem> problems = cd::generate(config.seed, config.problems);
    const std::filesystem::path db = std::filesystem::temp_directory_path() / "braid_bench_planners.db";
    std::printf("planners: %zu Countdown problems (seed %llu), symbolic models, %lld us per streamed line, tasks one at a time\n",
                problems.size(), static_cast<unsigned long long>(config.seed), static_cast<long long>(config.line_us));
    for (std::int64_t budget : config.budgets) {
        planner::StrategyOptions serial;
        serial.samples = 1;
        serial.max_tokens = budget - 64;  // room for the prompt
        planner::StrategyOptions best_of_n;
        best_of_n.samples = 64;
        best_of_n.max_tokens = std::min<std::int64_t>(2048, budget - 64);
        planner::StrategyOptions apr;
        apr.samples = 1;
        apr.max_tokens = std::min<std::int64_t>(2048, budget - 64);
        apr.thread_tokens = budget;
        std::vector<Row> rows;
        rows.push_back(run_strategy("serial (SoS+)", "best-of-n", cd::SymbolicStyle::sos, serial, budget, problems, config, db));
        rows.push_back(run_strategy("best-of-n (SoS+)", "best-of-n", cd::SymbolicStyle::sos, best_of_n, budget, problems, config, db));
        rows.push_back(run_strategy("apr", "apr", cd::SymbolicStyle::apr, apr, budget, problems, config, db));
        std::printf("\nbudget %lld tokens per task\n", static_cast<long long>(budget));
        std::printf("  %-18s %9s %12s %14s %8s %10s | vs serial: %6s %8s %8s\n", "strategy", "accuracy", "tokens/task",
                    "critical/task", "threads", "ms/task", "acc", "tokens", "ms");
        const Row& base = rows[0];
        for (const Row& r : rows)
            std::printf("  %-18s %8.1f%% %12.0f %14.0f %8.2f %10.2f | %17.2fx %7.2fx %7.2fx\n", r.strategy.c_str(),
                        100 * r.accuracy, r.total_tokens, r.critical_tokens, r.threads, r.wall_ms,
                        base.accuracy > 0 ? r.accuracy / base.accuracy : 0.0,
                        base.total_tokens > 0 ? r.total_tokens / base.total_tokens : 0.0,
                        base.wall_ms > 0 ? r.wall_ms / base.wall_ms : 0.0);
    }
    std::filesystem::remove(db);
    return 0;
}
