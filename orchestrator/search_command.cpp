// `braid search PIPELINE --dev TASKS --budget B --method M [--offline | --online | --record]`:
// the multi-stage budget search (issue 8). Every input is checked before anything is stored.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "orchestrator/backend_factory.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "orchestrator/pipeline_run.hpp"
#include "search/agent_proposer.hpp"
#include "search/cost_model.hpp"
#include "search/offline_evaluator.hpp"
#include "search/online_evaluator.hpp"
#include "search/pipeline_samples.hpp"
#include "search/search_methods.hpp"
#include "store/store.hpp"

namespace braid::orchestrator {

namespace {

using namespace search;

[[noreturn]] void fail(ErrorCode code, std::string message) { throw FatalError(make_error(code, std::move(message))); }

search::PipelineSpec load_spec(const std::string& path) {
    auto spec = search::load_pipeline(path);
    if (!spec) throw FatalError(std::move(spec).error());
    return std::move(*spec);
}

nlohmann::json trial_json(const SearchSpace& space, const Trial& t) {
    return nlohmann::json{{"trial", t.number},         {"config", space.to_json(t.config)},
                          {"describe", space.describe(t.config)}, {"accuracy", t.result.accuracy},
                          {"cost", t.result.cost},      {"fidelity", t.fidelity},
                          {"feasible", t.feasible},     {"method", t.method}};
}

// The trial limit when --trials is not given: every point for grid, otherwise a tenth of the grid
// (at least 20), which is the yardstick for an efficient method.
std::size_t default_trials(const SearchArgs& args, const SearchSpace& space) {
    if (args.trials > 0) return args.trials;
    if (args.method == "grid") return 0;
    return std::max<std::size_t>(20, space.size() / 10);
}

int record(const SearchArgs& args, const search::PipelineSpec& spec) {
    if (args.dev_path.empty()) fail(ErrorCode::invalid_input, "--record needs --dev TASKS");
    std::vector<tasks::Task> dev = load_task_file(args.dev_path);
    auto store = store::Store::open(args.common.db_path);
    Logger log(args.common.verbose ? LogLevel::info : LogLevel::warn);
    PipelineRunOptions options;
    options.seed = args.seed;
    options.parallel_tasks = static_cast<std::size_t>(args.parallel_tasks);
    options.command_line = args.command_line;
    PipelineRunResult r = record_pipeline(*store, spec, dev, log, options);
    if (args.common.json) {
        std::printf("%s\n", json_text(nlohmann::json{{"record_run", r.run.value},
                                                     {"tasks", r.tasks},
                                                     {"spent", r.spent.describe()},
                                                     {"wall_s", r.wall_s}},
                                      2)
                                .c_str());
    } else {
        std::printf("recorded pipeline %s on %zu tasks as run %lld (spent %s, %.1f s)\n", spec.name.c_str(), r.tasks,
                    static_cast<long long>(r.run.value), r.spent.describe().c_str(), r.wall_s);
        std::printf("search it offline: braid search PIPELINE --budget UNIT=VALUE --offline --from %lld\n",
                    static_cast<long long>(r.run.value));
    }
    return exit_ok;
}

}  // namespace

int run_search_command(const SearchArgs& args) {
    const std::string mode = args.mode.empty() ? "offline" : args.mode;
    search::PipelineSpec spec = load_spec(args.pipeline_path);
    if (!is_method(args.method)) {
        std::string known;
        for (const std::string& m : method_names()) known += (known.empty() ? "" : ", ") + m;
        fail(ErrorCode::invalid_input, "--method: unknown method '" + args.method + "' (known: " + known + ")");
    }
    if (args.parallel_tasks < 1) fail(ErrorCode::invalid_input, "--parallel must be at least 1");
    if (mode == "record") return record(args, spec);

    if (args.budget.empty()) fail(ErrorCode::invalid_input, "--budget is required (UNIT=VALUE, e.g. usd=50)");
    auto budget = parse_search_budget(args.budget);
    if (!budget) throw FatalError(std::move(budget).error());
    if (args.draws == 0) fail(ErrorCode::invalid_input, "--draws must be at least 1");

    // The agent's backend is checked before anything runs.
    asio::io_context agent_io;
    std::unique_ptr<backends::Backend> agent_backend;
    if (args.method == "agent") {
        RunConfig agent = args.agent;
        if (args.agent_backend.empty())
            fail(ErrorCode::invalid_input, "--method agent needs --agent-backend (and its model: --agent-model, "
                                           "--agent-base-url or --agent-script)");
        if (!args.agent_script_path.empty()) agent.script = read_json_file(args.agent_script_path, "agent script");
        auto kind = backends::parse_backend_kind(args.agent_backend);
        if (!kind) throw FatalError(std::move(kind).error());
        agent.backend = *kind;
        auto b = make_backend(agent, agent_io.get_executor());
        if (!b) throw FatalError(std::move(b).error());
        agent_backend = std::move(*b);
    }

    const SearchSpace space = SearchSpace::from_pipeline(spec);
    auto store = store::Store::open(args.common.db_path);
    Logger log(args.common.verbose ? LogLevel::info : LogLevel::warn);

    std::unique_ptr<Evaluator> evaluator;
    std::optional<PipelineSamples> samples;
    std::vector<tasks::Task> dev;
    std::size_t dev_tasks = 0;
    std::int64_t record_run = 0;
    OnlineEvaluator* online = nullptr;
    if (mode == "offline") {
        record_run = args.from_run != 0 ? args.from_run : latest_record_run(*store, spec.name);
        if (record_run == 0)
            fail(ErrorCode::invalid_input, "no record run of pipeline '" + spec.name + "' in " + args.common.db_path +
                                               "; record one first: braid search " + args.pipeline_path +
                                               " --dev TASKS --record");
        samples = load_pipeline_samples(*store, record_run);
        if (!args.dev_path.empty()) {  // restrict the record to the dev file's tasks
            std::vector<tasks::Task> wanted = load_task_file(args.dev_path);
            std::vector<TaskSamples> kept;
            for (const tasks::Task& t : wanted) {
                auto it = std::find_if(samples->tasks.begin(), samples->tasks.end(),
                                       [&](const TaskSamples& s) { return s.task_id == t.id; });
                if (it == samples->tasks.end())
                    fail(ErrorCode::invalid_input, "--dev: task '" + t.id + "' is not in record run " +
                                                       std::to_string(record_run));
                kept.push_back(*it);
            }
            samples->tasks = std::move(kept);
        }
        dev_tasks = samples->tasks.size();
        OfflineOptions o;
        o.draws = args.draws;
        o.seed = args.seed;
        o.unit = budget->unit;
        evaluator = std::make_unique<OfflineEvaluator>(*samples, space, o);
    } else if (mode == "online") {
        if (args.dev_path.empty()) fail(ErrorCode::invalid_input, "--online needs --dev TASKS");
        dev = load_task_file(args.dev_path);
        dev_tasks = dev.size();
        PipelineRunOptions o;
        o.seed = args.seed;
        o.parallel_tasks = static_cast<std::size_t>(args.parallel_tasks);
        o.command_line = args.command_line;
        // Each trial is a stored run of the one run loop.
        PipelineRunner run = [&store = *store, &spec, &log, o](const std::vector<StageSetting>& settings,
                                                               const std::vector<tasks::Task>& tasks,
                                                               const SearchBudget& trial_budget) {
            PipelineRunOptions trial = o;
            trial.budget = trial_budget;
            return run_pipeline_settings(store, spec, settings, tasks, log, trial);
        };
        auto e = std::make_unique<OnlineEvaluator>(spec, space, dev, *budget, args.seed, std::move(run));
        online = e.get();
        evaluator = std::move(e);
    } else {
        fail(ErrorCode::invalid_input, "unknown mode '" + mode + "'");
    }

    SearchContext context(space, *evaluator, budget->amount, default_trials(args, space));
    std::unique_ptr<AgentProposer> proposer;
    SearchOptions options;
    options.method = args.method;
    options.seed = args.seed;
    if (agent_backend) {
        AgentProposerOptions ao;
        ao.model = args.agent.model;
        ao.budget = budget->describe();
        ao.dev_tasks = dev_tasks;
        ao.seed = args.seed;
        proposer = std::make_unique<AgentProposer>(*agent_backend, agent_io, ao);
        options.proposer = proposer.get();
    }
    SearchResult result = run_search(context, options);

    // Regret against exhaustive search, offline and only where the grid is small enough.
    std::optional<SearchResult> exhaustive;
    if (mode == "offline" && args.method != "grid" && space.size() <= args.exhaustive_limit) {
        SearchContext grid(space, *evaluator, budget->amount, 0);
        SearchOptions g;
        g.method = "grid";
        exhaustive = run_search(grid, g);
    } else if (args.method == "grid" && context.max_trials() == 0) {
        exhaustive = result;
    }
    std::optional<double> regret;
    if (exhaustive && exhaustive->best && result.best)
        regret = std::max(0.0, exhaustive->best->result.accuracy - result.best->result.accuracy);

    if (args.common.json) {
        nlohmann::json out{{"pipeline", spec.name},
                           {"mode", mode},
                           {"method", args.method},
                           {"budget", budget->describe()},
                           {"dev_tasks", dev_tasks},
                           {"configurations", space.size()},
                           {"trials", result.trials},
                           {"best", result.best ? trial_json(space, *result.best) : nlohmann::json()},
                           {"pareto", nlohmann::json::array()},
                           {"archive", nlohmann::json::array()}};
        for (const Trial& t : result.pareto) out["pareto"].push_back(trial_json(space, t));
        for (const Trial& t : context.archive()) out["archive"].push_back(trial_json(space, t));
        if (record_run) out["record_run"] = record_run;
        if (online) {
            out["runs"] = nlohmann::json::array();
            for (RunId r : online->runs()) out["runs"].push_back(r.value);
        }
        if (exhaustive) {
            out["exhaustive"] = {{"trials", exhaustive->trials},
                                 {"best", exhaustive->best ? trial_json(space, *exhaustive->best) : nlohmann::json()}};
        }
        if (regret) out["regret"] = *regret;
        if (proposer) out["agent"] = {{"calls", proposer->calls()}, {"rationales", proposer->rationales()}};
        std::printf("%s\n", json_text(out, 2).c_str());
    } else {
        std::printf("pipeline %s: %zu stages, %zu configurations; budget %s over %zu dev tasks (%s", spec.name.c_str(),
                    spec.stages.size(), space.size(), budget->describe().c_str(), dev_tasks, mode.c_str());
        if (record_run) std::printf(", record run %lld, %zu draws", static_cast<long long>(record_run), args.draws);
        std::printf(")\nmethod %s: %zu trials\n", args.method.c_str(), result.trials);
        if (result.best) {
            std::printf("best: %s\n  accuracy %s  cost %s (budget %s)\n", space.describe(result.best->config).c_str(),
                        short_number(result.best->result.accuracy).c_str(), short_number(result.best->result.cost).c_str(),
                        short_number(budget->amount).c_str());
            std::printf("  %s\n", json_text(space.to_json(result.best->config)).c_str());
        } else {
            std::printf("no evaluated configuration fits the budget\n");
        }
        std::printf("pareto front (cost, accuracy, configuration):\n");
        for (const Trial& t : result.pareto)
            std::printf("  %-12s %-8s %s\n", short_number(t.result.cost).c_str(), short_number(t.result.accuracy).c_str(),
                        space.describe(t.config).c_str());
        if (exhaustive && exhaustive->best)
            std::printf("exhaustive grid: %zu trials, optimum %s (%s)\n", exhaustive->trials,
                        short_number(exhaustive->best->result.accuracy).c_str(),
                        space.describe(exhaustive->best->config).c_str());
        if (regret) std::printf("regret: %s\n", short_number(*regret).c_str());
    }
    return result.best ? exit_ok : exit_budget_exhausted;
}

}  // namespace braid::orchestrator
