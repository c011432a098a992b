// Pipeline runs (pipeline_run.hpp): the run's setup (stored config, one backend per model, the
// ledger and its allocator), the task lanes, and one task's stages in order. The stages
// themselves are in pipeline_stages.cpp.
#include "orchestrator/pipeline_run.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>

#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/clock.hpp"
#include "orchestrator/backend_factory.hpp"
#include "orchestrator/budget_allocator.hpp"
#include "orchestrator/pipeline_stages.hpp"
#include "orchestrator/run_config.hpp"
#include "orchestrator/run_records.hpp"
#include "planner/strategy.hpp"
#include "verifiers/selection.hpp"

namespace braid::orchestrator {

namespace {

using pipeline_detail::ModelRuntime;
using pipeline_detail::StageResult;
using tasks::pipeline::ModelSpec;
using tasks::pipeline::PipelineSpec;
using tasks::pipeline::StageKind;
using tasks::pipeline::StageSpec;

constexpr std::size_t blocking_pool_threads = 2;
// A pipeline without a select stage picks among its last generate stage's candidates by this rule.
constexpr std::string_view default_rule = "majority";
constexpr std::string_view judge_name = "judge";

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

[[noreturn]] void fail(ErrorCode code, const std::string& message) { throw FatalError(make_error(code, message)); }

// {"generate": {"model": "small", "samples": 4, "iterations": 1}, "select": {"rule": "majority"}}
nlohmann::json settings_json(const PipelineSpec& spec, const std::vector<StageSetting>& settings) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        if (spec.stages[s].kind == StageKind::select)
            j[spec.stages[s].name] = {{"rule", settings[s].rule}};
        else
            j[spec.stages[s].name] = {{"model", settings[s].model},
                                      {"samples", settings[s].samples},
                                      {"iterations", settings[s].iterations}};
    }
    return j;
}

// The RunConfig that builds one model's backend (make_backend reads these fields).
RunConfig model_config(const ModelSpec& m) {
    RunConfig c;
    c.backend = m.backend;
    c.model = m.model;
    c.base_url = m.base_url;
    c.api_key_env = m.api_key_env;
    if (!m.script_path.empty()) {
        std::ifstream in(m.script_path);
        if (!in) fail(ErrorCode::not_found, "model " + m.name + ": cannot read script " + m.script_path);
        c.script = nlohmann::json::parse(in, nullptr, false);
        if (c.script.is_discarded()) fail(ErrorCode::invalid_input, "model " + m.name + ": script " + m.script_path + " is not JSON");
    }
    if (m.options.is_object()) {
        c.latency_ms = m.options.value("latency_ms", 0.0);
        c.threads = m.options.value("threads", std::size_t{0});
        c.backend_options = m.options;
    }
    return c;
}

// The generate stage that feeds `stage` (its first generate input), or stages.size().
std::size_t generate_input(const PipelineSpec& spec, const StageSpec& stage) {
    for (const std::string& name : stage.inputs) {
        std::size_t i = spec.stage_index(name);
        if (i < spec.stages.size() && spec.stages[i].kind == StageKind::generate) return i;
    }
    return spec.stages.size();
}

struct TaskWork {
    tasks::Task task;
    const tasks::TaskKind* kind = nullptr;
};

struct TaskEnd {
    planner::TaskStatus status = planner::TaskStatus::unsolved;
    std::string answer;
    NodeId selected;
    std::size_t candidates = 0;
    std::string error;
};

// What the run's coroutines share; it lives on execute()'s stack for the whole run.
struct PipelineRun {
    const PipelineSpec* spec = nullptr;
    const std::vector<StageSetting>* settings = nullptr;  // null: a record run
    std::vector<TaskWork> work;
    std::map<std::string, ModelRuntime> models;
    store::RunRecorder* recorder = nullptr;
    Ledger* ledger = nullptr;
    BudgetAllocator* allocator = nullptr;  // null: no budget
    NodeId root;
    Deadline deadline;
    std::size_t next = 0;
    PipelineRunResult* result = nullptr;
    const Logger* log = nullptr;
};

TaskEnd end_of(planner::TaskOutcome& outcome) {
    TaskEnd end;
    end.status = outcome.status;
    end.error = outcome.error;
    end.candidates = outcome.candidates.size();
    if (outcome.selection.index) {
        end.answer = outcome.candidates[*outcome.selection.index].normalized;
        end.selected = outcome.candidates[*outcome.selection.index].node;
    }
    return end;
}

// A configuration run's stage account: its share of the task's (allocator), else a plain child.
Ledger::AccountId stage_account(PipelineRun* run, const planner::TaskScope& scope, std::size_t stage) {
    const std::string label = scope.path + "/" + run->spec->stages[stage].name;
    return run->allocator ? run->allocator->open_stage(scope.account, stage, label)
                          : run->ledger->open(scope.account, label);
}

// One configuration on one task: the stages in spec order, then the select rule.
asio::awaitable<TaskEnd> run_configured_task(PipelineRun* run, planner::TaskScope scope) {
    const PipelineSpec& spec = *run->spec;
    const std::vector<StageSetting>& settings = *run->settings;
    std::vector<std::vector<verifiers::Candidate>> candidates(spec.stages.size());
    verifiers::Shortfall shortfall;
    std::string rule(default_rule);
    std::size_t selected_stage = spec.stages.size();
    std::string select_label = "select";
    bool first_verify = true;  // the first verify stage's verdicts are "judge", the others' their stage name
    workers::RunServices* services = run->models.begin()->second.services.get();

    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        const StageSpec& stage = spec.stages[s];
        const StageSetting& set = settings[s];
        if (stage.kind == StageKind::generate) {
            ModelRuntime* model = &run->models.at(set.model);
            const Ledger::AccountId account = stage_account(run, scope, s);
            StageResult r = co_await pipeline_detail::run_generate(&stage, model, set.samples, set.iterations, scope, account);
            shortfall.budget_refused = shortfall.budget_refused || r.budget_refused;
            if (!r.error.empty()) shortfall.last_error = r.error;
            candidates[s] = std::move(r.candidates);
            selected_stage = s;
            services = model->services.get();
        } else if (stage.kind == StageKind::verify) {
            const std::size_t input = generate_input(spec, stage);
            std::string verifier = first_verify ? std::string(judge_name) : stage.name;
            first_verify = false;
            if (set.samples <= 0 || input == spec.stages.size() || candidates[input].empty()) continue;
            const Ledger::AccountId account = stage_account(run, scope, s);
            StageResult r = co_await pipeline_detail::run_verify(&stage, &run->models.at(set.model), set.samples,
                                                                 std::move(verifier), scope, account, &candidates[input]);
            shortfall.budget_refused = shortfall.budget_refused || r.budget_refused;
            if (!r.error.empty()) shortfall.last_error = r.error;
        } else {
            rule = set.rule;
            selected_stage = generate_input(spec, stage);
            select_label = stage.name;
        }
    }

    planner::TaskOutcome outcome;
    std::vector<NodeId> nodes;
    if (selected_stage < spec.stages.size()) outcome.candidates = candidates[selected_stage];
    for (const verifiers::Candidate& c : outcome.candidates) nodes.push_back(c.node);
    planner::verdict_recorder(*services, scope)
        .select({.rule = rule,
                 .label = select_label,
                 .joined = nodes,
                 .fallback = shortfall.fallback(outcome.candidates.size()),
                 .event = nlohmann::json{{"metrics", planner::to_json(outcome.metrics)}}},
                outcome);
    // A task the ledger stopped counts as stopped by the budget unless it was solved anyway.
    if (shortfall.budget_refused && outcome.status != planner::TaskStatus::solved) {
        outcome.status = planner::TaskStatus::budget_exhausted;
        if (outcome.error.empty()) outcome.error = "the task's share of the budget ran out";
    }
    co_return end_of(outcome);
}

// Every stage × model (× iteration cap) at its largest sample count; the outcome is coverage:
// solved when some candidate is correct.
asio::awaitable<TaskEnd> record_task(PipelineRun* run, planner::TaskScope scope) {
    const PipelineSpec& spec = *run->spec;
    std::vector<std::vector<verifiers::Candidate>> candidates(spec.stages.size());
    bool refused = false;
    std::string error;
    bool first_judge = true;  // the first verify stage × model stores "judge"; the others name themselves
    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        const StageSpec& stage = spec.stages[s];
        if (stage.kind == StageKind::select || stage.samples.empty()) continue;
        const int samples = stage.samples.back();
        if (stage.kind == StageKind::generate) {
            const std::vector<int> caps = stage.iterations.empty() ? std::vector<int>{1} : stage.iterations;
            for (const std::string& name : stage.models) {
                for (int cap : caps) {
                    ModelRuntime* model = &run->models.at(name);
                    const Ledger::AccountId account =
                        run->ledger->open(scope.account, pipeline_detail::generate_path(scope.path, stage, name, cap));
                    StageResult r = co_await pipeline_detail::run_generate(&stage, model, samples, cap, scope, account);
                    refused = refused || r.budget_refused;
                    if (!r.error.empty()) error = r.error;
                    for (verifiers::Candidate& c : r.candidates) candidates[s].push_back(std::move(c));
                }
            }
        } else {
            const std::size_t input = generate_input(spec, stage);
            if (samples <= 0 || input == spec.stages.size()) continue;
            for (const std::string& name : stage.models) {
                std::string verifier = first_judge ? std::string(judge_name)
                                                   : std::string(judge_name) + ":" + stage.name + "@" + name;
                first_judge = false;
                const Ledger::AccountId account = run->ledger->open(scope.account, scope.path + "/" + stage.name + "@" + name);
                StageResult r = co_await pipeline_detail::run_verify(&stage, &run->models.at(name), samples,
                                                                     std::move(verifier), scope, account, &candidates[input]);
                refused = refused || r.budget_refused;
                if (!r.error.empty()) error = r.error;
            }
        }
    }
    TaskEnd end;
    for (const auto& list : candidates) {
        end.candidates += list.size();
        for (const verifiers::Candidate& c : list)
            if (verifiers::correctness(c).value_or(false)) end.status = planner::TaskStatus::solved;
    }
    if (end.status != planner::TaskStatus::solved && refused) end.status = planner::TaskStatus::budget_exhausted;
    if (end.candidates == 0 && !refused && !error.empty()) end.status = planner::TaskStatus::failed;
    end.error = error;
    co_return end;
}

// Runs tasks until none is left; `parallel_tasks` of these lanes share the queue.
asio::awaitable<int> run_lane(PipelineRun* run) {
    store::RunRecorder& rec = *run->recorder;
    while (run->next < run->work.size()) {
        const TaskWork& w = run->work[run->next++];
        planner::TaskScope scope;
        scope.task = &w.task;
        scope.kind = w.kind;
        scope.path = "t/" + w.task.id;
        scope.node = rec.create_node(run->root, scope.path, "task", w.task.id);
        scope.account = run->allocator ? run->allocator->open_task(scope.path)
                                       : run->ledger->open(run->ledger->root(), scope.path);
        TaskEnd end;
        if (run->deadline && std::chrono::steady_clock::now() >= *run->deadline) {
            end.status = planner::TaskStatus::budget_exhausted;
            end.error = "wall-clock budget ran out before the task started";
        } else {
            rec.set_status(scope.node, "running");
            if (run->settings)
                end = co_await run_configured_task(run, scope);
            else
                end = co_await record_task(run, scope);
        }
        if (run->allocator) run->allocator->finish_task(scope.account);

        store_task_end(rec, scope.node, w.task, end.status, end.answer, end.selected, end.error,
                       nlohmann::json{{"candidates", end.candidates}});
        co_await rec.flush();  // the outcome is durable before the task counts as done
        run->log->info("task %s finished: %s", w.task.id.c_str(), std::string(planner::to_string(end.status)).c_str());
        ++run->result->tasks;
        run->result->solved += end.status == planner::TaskStatus::solved;
        run->result->budget_exhausted += end.status == planner::TaskStatus::budget_exhausted;
    }
    co_return 0;
}

asio::awaitable<void> run_lanes(PipelineRun* run, std::size_t lanes) {
    std::vector<asio::awaitable<int>> queues;
    for (std::size_t i = 0; i < lanes; ++i) queues.push_back(run_lane(run));
    co_await async::when_all(std::move(queues));
}

// The allocator's weight of each stage: its planned cost in the budget's unit (cost_model.hpp:
// planned calls × the stage's expected tokens on its model's prices or architecture); when some
// stage's model costs nothing in that unit, every stage is weighted by its planned tokens instead.
// Select stages spend nothing.
std::vector<double> stage_weights(const PipelineSpec& spec, const std::vector<StageSetting>& settings, BudgetUnit unit) {
    std::vector<double> costs, tokens;
    bool all_costed = true;
    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        const StageSpec& stage = spec.stages[s];
        double calls = 0;
        if (stage.kind == StageKind::generate) {
            calls = static_cast<double>(settings[s].samples) * static_cast<double>(settings[s].iterations);
        } else if (stage.kind == StageKind::verify) {
            const std::size_t input = generate_input(spec, stage);
            const double keys = input < spec.stages.size() ? static_cast<double>(settings[input].samples) : 1.0;
            calls = static_cast<double>(std::max(0, settings[s].samples)) * keys;
        }
        double cost = 0;
        if (const ModelSpec* model = spec.model(settings[s].model); model != nullptr && calls > 0) {
            CallGroup group;
            group.samples = calls;
            group.prompt_tokens = stage.tokens.in;
            group.completion_tokens = stage.tokens.out;
            cost = group_cost(*model, spec.intensity, group)[unit];
        }
        if (calls > 0 && cost <= 0) all_costed = false;
        costs.push_back(cost);
        tokens.push_back(calls * (unit == BudgetUnit::samples ? 1.0 : std::max(1.0, stage.tokens.in + stage.tokens.out)));
    }
    return all_costed ? costs : tokens;
}

void validate(const PipelineSpec& spec, const std::vector<StageSetting>* settings, std::vector<TaskWork>& work,
              const std::vector<tasks::Task>& tasks) {
    for (const tasks::Task& t : tasks) {
        TaskWork w{t, tasks::find_task_kind(t.kind)};
        if (w.kind == nullptr) fail(ErrorCode::invalid_input, "task " + t.id + " has unknown kind " + t.kind);
        if (auto ok = w.kind->validate(t); !ok) throw FatalError(std::move(ok).error());
        work.push_back(std::move(w));
    }
    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        const StageSpec& stage = spec.stages[s];
        for (const std::string& m : stage.models)
            if (spec.model(m) == nullptr) fail(ErrorCode::invalid_input, "stage " + stage.name + ": unknown model " + m);
        if (stage.kind == StageKind::generate) {
            const int samples = settings ? (*settings)[s].samples : (stage.samples.empty() ? 1 : stage.samples.back());
            if (auto ok = planner::make_strategy(stage.strategy, pipeline_detail::generate_options(stage, samples, 1)); !ok)
                throw FatalError(Error(ok.error()).with_context("stage " + stage.name));
        }
        if (!settings) continue;
        const StageSetting& set = (*settings)[s];
        if (stage.kind == StageKind::select) {
            if (auto ok = verifiers::rule_verifiers(set.rule); !ok)
                throw FatalError(Error(ok.error()).with_context("stage " + stage.name));
        } else if (spec.model(set.model) == nullptr) {
            fail(ErrorCode::invalid_input, "stage " + stage.name + ": unknown model '" + set.model + "'");
        }
    }
}

PipelineRunResult execute(store::Store& store, const PipelineSpec& spec, const std::vector<StageSetting>* settings,
                          const std::vector<tasks::Task>& tasks, const Logger& log, const PipelineRunOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    if (settings && settings->size() != spec.stages.size())
        fail(ErrorCode::invalid_input, "a configuration needs one setting per stage");
    PipelineRun run;
    run.spec = &spec;
    run.settings = settings;
    validate(spec, settings, run.work, tasks);

    RunConfig config;
    config.strategy = "pipeline";
    config.backend = "pipeline";
    config.seed = options.seed;
    config.parallel_tasks = static_cast<int>(options.parallel_tasks);
    config.budget = options.budget ? options.budget->describe() : "";
    config.pipeline = tasks::pipeline::to_json(spec);
    if (settings) config.pipeline_config = settings_json(spec, *settings);

    store::RunRecord record;
    record.started_ms = now_ms();
    record.command = options.command_line;
    record.config_json = to_json(config).dump();
    record.seed = static_cast<std::int64_t>(options.seed);
    record.budget_json = nlohmann::json{{"limit", config.budget}}.dump();
    PipelineRunResult result;
    result.run = store.create_run(record);
    for (const TaskWork& w : run.work)
        store.put_task(store::TaskRecord{result.run, w.task.id, w.task.kind, w.task.input.dump(), "pending", "", NodeId{}});
    store.flush_sync();

    Amount root_limit = Amount::unlimited();
    const bool budgeted = settings && options.budget;
    if (budgeted && options.budget->unit == BudgetUnit::wall_s)
        run.deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(options.budget->amount));
    else if (budgeted)
        root_limit[options.budget->unit] = options.budget->amount;

    asio::io_context io;
    asio::thread_pool pool(blocking_pool_threads);
    Ledger ledger(root_limit);
    store::RunRecorder recorder(store, result.run);
    Logger run_log = log.for_run(result.run);
    for (const StageSpec& stage : spec.stages) {
        for (const std::string& name : stage.models) {
            if (run.models.count(name) > 0) continue;
            const ModelSpec& m = *spec.model(name);
            ModelRuntime rt;
            rt.spec = &m;
            auto backend = make_backend(model_config(m), io.get_executor());
            if (!backend) throw FatalError(Error(backend.error()).with_context("model " + name));
            rt.backend = std::move(*backend);
            rt.stored = std::make_unique<backends::StoredBackend>(store, pool, rt.backend.get());
            backends::openai::PriceTable prices;
            prices.set("*", m.price);
            if (!m.model.empty()) prices.set(m.model, m.price);
            rt.services = std::make_unique<workers::RunServices>(workers::RunServices{
                recorder, *rt.stored, ledger, run_log, options.seed, m.model, std::move(prices), m.architecture,
                spec.intensity});
            run.models.emplace(name, std::move(rt));
        }
    }
    if (run.models.empty()) fail(ErrorCode::invalid_input, "pipeline " + spec.name + " has no stage with a model");

    std::optional<BudgetAllocator> allocator;
    if (budgeted && options.budget->unit != BudgetUnit::wall_s) {
        allocator.emplace(ledger, ledger.root(), options.budget->unit, options.budget->amount, run.work.size(),
                          stage_weights(spec, *settings, options.budget->unit));
        run.allocator = &*allocator;
    }
    run.recorder = &recorder;
    run.ledger = &ledger;
    run.result = &result;
    run.log = &run_log;
    run.root = recorder.create_node(NodeId{0}, "run", "run", "pipeline");
    recorder.set_status(run.root, "running");

    const std::size_t lanes = std::max<std::size_t>(1, std::min(options.parallel_tasks, run.work.size()));
    async::run_sync(io, run_lanes(&run, lanes));
    pool.join();

    const std::string status = result.budget_exhausted > 0 ? "budget_exhausted" : "finished";
    recorder.set_status(run.root, "finished", nlohmann::json{{"status", status}}.dump());
    result.spent = ledger.spent(ledger.root());
    result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    record.id = result.run;
    record.status = status;
    record.finished_ms = now_ms();
    record.spent_json = spent_json(result.spent);
    store.update_run(record);
    store.flush_sync();
    return result;
}

}  // namespace

PipelineRunResult run_pipeline_settings(store::Store& store, const PipelineSpec& spec,
                                        const std::vector<StageSetting>& settings,
                                        const std::vector<tasks::Task>& tasks, const Logger& log,
                                        const PipelineRunOptions& options) {
    return execute(store, spec, &settings, tasks, log, options);
}

PipelineRunResult run_pipeline_config(store::Store& store, const PipelineSpec& spec, const search::SearchSpace& space,
                                      const search::Config& config, const std::vector<tasks::Task>& tasks,
                                      const Logger& log, const PipelineRunOptions& options) {
    if (config.size() != spec.stages.size() || space.stages().size() != spec.stages.size())
        fail(ErrorCode::invalid_input, "the configuration does not match the pipeline's stages");
    std::vector<StageSetting> settings;
    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        const search::StageAxes& axes = space.stages()[s];
        const search::StageChoice& c = config[s];
        if (c.model >= axes.models.size() || c.samples >= axes.samples.size() ||
            c.iterations >= axes.iterations.size() || c.rule >= axes.rules.size())
            fail(ErrorCode::invalid_input, "stage " + spec.stages[s].name + ": a choice out of range");
        settings.push_back(StageSetting{space.model(config, s), space.samples(config, s), space.iterations(config, s),
                                        space.rule(config, s)});
    }
    return execute(store, spec, &settings, tasks, log, options);
}

PipelineRunResult record_pipeline(store::Store& store, const PipelineSpec& spec, const std::vector<tasks::Task>& tasks,
                                  const Logger& log, const PipelineRunOptions& options) {
    return execute(store, spec, nullptr, tasks, log, options);
}

}  // namespace braid::orchestrator
