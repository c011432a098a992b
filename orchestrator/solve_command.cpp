// `braid solve` and `braid resume`: validate everything first (bad input stores nothing), then
// create or reopen the run and execute it.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "orchestrator/backend_factory.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "orchestrator/predictions.hpp"
#include "orchestrator/shipped_model.hpp"
#include "orchestrator/summary_output.hpp"
#include "planner/strategy.hpp"
#include "tasks/jsonl.hpp"
#include "tasks/task_kind.hpp"

namespace braid::orchestrator {

namespace {

[[noreturn]] void fail(Error error) { throw FatalError(std::move(error)); }

}  // namespace

nlohmann::json read_json_file(const std::string& path, const std::string& what) {
    std::ifstream in(path);
    if (!in) fail(make_error(ErrorCode::not_found, "cannot read " + what + " " + path));
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (j.is_discarded()) fail(make_error(ErrorCode::invalid_input, what + " " + path + " is not valid JSON"));
    return j;
}

std::vector<tasks::Task> load_task_file(const std::string& path) {
    auto loaded = tasks::read_tasks_jsonl(path);
    if (!loaded) fail(std::move(loaded).error());
    if (loaded->empty()) fail(make_error(ErrorCode::invalid_input, path + ": no tasks"));
    const std::filesystem::path source_dir = std::filesystem::absolute(path).parent_path();
    for (tasks::Task& t : *loaded) {
        const tasks::TaskKind* kind = tasks::find_task_kind(t.kind);
        if (kind == nullptr) {
            std::string known;
            for (const std::string& n : tasks::task_kind_names()) known += (known.empty() ? "" : ", ") + n;
            fail(make_error(ErrorCode::invalid_input,
                            path + ": task " + t.id + " has unknown kind '" + t.kind + "' (known: " + known + ")"));
        }
        if (auto ok = kind->prepare(t, source_dir); !ok) fail(Error(ok.error()).with_context(path));
        if (auto ok = kind->validate(t); !ok) fail(Error(ok.error()).with_context(path));
        if (auto ok = kind->check_resources(t); !ok) fail(Error(ok.error()).with_context(path));
    }
    return std::move(*loaded);
}

namespace {

// A run whose strategy makes a thread per sample cannot fit --max-nodes when tasks × samples
// alone pass it: refused up front rather than stopped after filling the database.
void check_planned_nodes(const RunConfig& cfg, std::size_t tasks) {
    static constexpr std::string_view kThreadPerSample[] = {"best-of-n", "self-consistency",
                                                           "first-finish", "swe"};
    if (std::find(std::begin(kThreadPerSample), std::end(kThreadPerSample), cfg.strategy) ==
        std::end(kThreadPerSample))
        return;
    const auto planned = static_cast<std::int64_t>(tasks) * cfg.strategy_options.samples;
    if (planned > cfg.max_nodes)
        fail(make_error(ErrorCode::invalid_input,
                        std::to_string(tasks) + " tasks × --samples " +
                            std::to_string(cfg.strategy_options.samples) + " make at least " +
                            std::to_string(planned) + " threads, past --max-nodes " +
                            std::to_string(cfg.max_nodes) +
                            " (lower --samples, split the task file, or raise --max-nodes)"));
}

// Every check that can fail on the user's input, before anything is written.
std::vector<tasks::Task> validate(SolveArgs& args) {
    RunConfig& cfg = args.config;
    if (!args.script_path.empty()) cfg.script = read_json_file(args.script_path, "script file");
    if (auto s = planner::make_strategy(cfg.strategy, cfg.strategy_options); !s)
        fail(std::move(s).error());
    if (cfg.usd_per_mtok_in < 0 || cfg.usd_per_mtok_out < 0)
        fail(make_error(ErrorCode::invalid_input, "prices per million tokens must not be negative"));
    if (!args.prices_path.empty()) cfg.prices = read_json_file(args.prices_path, "price table");
    if (auto p = price_table(cfg); !p) fail(std::move(p).error());
    auto backend = backends::parse_backend_kind(args.backend.empty() ? "local" : args.backend);
    if (!backend) fail(std::move(backend).error());
    cfg.backend = *backend;
    if (cfg.backend == backends::BackendKind::local && cfg.model.empty()) {
        cfg.model = shipped_model_path();
        if (!std::filesystem::exists(cfg.model))
            fail(make_error(ErrorCode::not_found,
                            "braid's shipped model " + cfg.model + " is missing (restore it with git, " +
                                "or name a backend: --backend symbolic, or --backend local --model FILE)"));
    }
    if (auto ok = check_backend(cfg); !ok) fail(std::move(ok).error());
    if (!cfg.budget.empty())
        if (auto b = parse_budget(cfg.budget); !b) fail(std::move(b).error());
    if (cfg.parallel_tasks < 1) fail(make_error(ErrorCode::invalid_input, "--parallel must be at least 1"));
    if (cfg.max_nodes < 1 || cfg.max_nodes > kMaxMaxNodes)
        fail(make_error(ErrorCode::invalid_input,
                        "--max-nodes must be between 1 and " + std::to_string(kMaxMaxNodes)));
    if (cfg.max_stored_mb < 1 || cfg.max_stored_mb > (std::int64_t{1} << 30))
        fail(make_error(ErrorCode::invalid_input, "--max-stored-mb must be between 1 and 1073741824"));
    if (!std::isfinite(cfg.latency_ms) || cfg.latency_ms < 0)
        fail(make_error(ErrorCode::invalid_input, "--latency-ms must be a finite number, not negative"));

    std::vector<tasks::Task> loaded = load_task_file(cfg.tasks_path);
    check_planned_nodes(cfg, loaded.size());
    return loaded;
}

ExecuteOptions execute_options(const CommonArgs& common) {
    return ExecuteOptions{!common.json && isatty(STDERR_FILENO) != 0};
}

Logger logger_for(const CommonArgs& common) { return Logger(common.verbose ? LogLevel::info : LogLevel::warn); }

// --predictions: the selected patches of the run's swe tasks, once the run is over.
void maybe_write_predictions(store::Store& store, RunId run, const RunConfig& config, const std::string& path,
                             bool json) {
    if (path.empty()) return;
    store.flush_sync();
    const std::string model =
        config.model.empty() ? "braid-" + std::string(backend_name(config)) : config.model;
    auto written = write_predictions(store, run, model, path);
    if (!written) fail(std::move(written).error());
    if (!json) std::printf("predictions: %zu rows in %s\n", *written, path.c_str());
}

}  // namespace

namespace {

// Tells the user how to continue a run a signal stopped.
void note_interruption(const RunSummary& summary, const std::string& db_path) {
    if (summary.status != store::RunStatus::interrupted) return;
    std::fprintf(stderr, "braid: interrupted by signal %d; `braid resume %lld --db %s` continues run %lld\n",
                 summary.interrupted_by, static_cast<long long>(summary.run.value), db_path.c_str(),
                 static_cast<long long>(summary.run.value));
}

}  // namespace

int run_solve(const SolveArgs& input) {
    SolveArgs args = input;
    std::vector<tasks::Task> loaded = validate(args);
    auto store = store::Store::open(args.common.db_path);
    const RunId run = create_run(*store, args.config, args.command_line, loaded);
    RunSummary summary = execute_run(*store, run, args.config, logger_for(args.common), execute_options(args.common));
    print_summary(summary, args.config, args.common.json);
    note_interruption(summary, args.common.db_path);
    maybe_write_predictions(*store, run, args.config, args.predictions_path, args.common.json);
    return summary.exit_code();
}

int run_resume(const CommonArgs& common, std::int64_t run_id, const std::string& predictions_path) {
    auto store = store::Store::open(common.db_path, {.create = false});
    RunId run{run_id};
    store::RunRecord record = load_run(*store, run_id);
    auto config = run_config_from_json(nlohmann::json::parse(record.config_json, nullptr, false));
    if (!config) fail(std::move(config).error());
    const bool unfinished =
        record.status == store::RunStatus::running || record.status == store::RunStatus::interrupted;
    if (config->strategy == "pipeline" && unfinished)
        fail(make_error(ErrorCode::invalid_input,
                        "run " + std::to_string(run_id) + " is a pipeline run of `braid search`, which resume does not "
                        "continue; run the search (or its --record) again"));
    if (!unfinished) {
        RunSummary summary = summarize_stored_run(*store, run);
        if (!common.json)
            std::printf("run %lld is already %s; nothing to resume\n",
                        static_cast<long long>(run_id),
                        std::string(store::to_string(record.status)).c_str());
        print_summary(summary, *config, common.json);
        maybe_write_predictions(*store, run, *config, predictions_path, common.json);
        return summary.exit_code();
    }
    RunSummary summary = execute_run(*store, run, *config, logger_for(common), execute_options(common));
    print_summary(summary, *config, common.json);
    note_interruption(summary, common.db_path);
    maybe_write_predictions(*store, run, *config, predictions_path, common.json);
    return summary.exit_code();
}

}  // namespace braid::orchestrator
