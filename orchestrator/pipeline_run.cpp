// Pipeline runs (pipeline_run.hpp): the stored run's config, and the run's parts (run_parts.hpp):
// one backend per model of the spec, recorded through the store, and the pipeline strategy with
// its budget allocator. The task loop is the one of run_executor.cpp.
#include "orchestrator/pipeline_run.hpp"

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "orchestrator/backend_factory.hpp"
#include "orchestrator/run_executor.hpp"
#include "orchestrator/run_parts.hpp"
#include "search/budget_allocator.hpp"

namespace braid::orchestrator {

namespace {

using search::ModelSpec;
using search::PipelineSpec;
using search::StageSetting;

[[noreturn]] void fail(ErrorCode code, const std::string& message) { throw FatalError(make_error(code, message)); }

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

// Every task must be of a known kind and valid, before anything is stored.
void check_tasks(const std::vector<tasks::Task>& tasks) {
    for (const tasks::Task& t : tasks) {
        const tasks::TaskKind* kind = tasks::find_task_kind(t.kind);
        if (kind == nullptr) fail(ErrorCode::invalid_input, "task " + t.id + " has unknown kind " + t.kind);
        if (auto ok = kind->validate(t); !ok) throw FatalError(std::move(ok).error());
    }
}

search::PipelineRunResult execute(store::Store& store, const PipelineSpec& spec, const std::vector<StageSetting>* settings,
                                  const std::vector<tasks::Task>& tasks, const Logger& log,
                                  const PipelineRunOptions& options) {
    if (auto ok = search::check_settings(spec, settings); !ok) throw FatalError(std::move(ok).error());
    check_tasks(tasks);

    RunConfig config;
    config.strategy = "pipeline";
    config.backend.reset();  // each model names its own
    config.seed = options.seed;
    config.parallel_tasks = static_cast<int>(options.parallel_tasks);
    if (settings && options.budget) config.budget = options.budget->describe();  // record runs are never budgeted
    config.pipeline = search::to_json(spec);
    if (settings) config.pipeline_config = search::settings_json(spec, *settings);

    const RunId run = create_run(store, config, options.command_line, tasks);
    RunSummary summary = execute_run(store, run, config, log, ExecuteOptions{});
    search::PipelineRunResult result;
    result.run = run;
    result.tasks = summary.tasks.size();
    result.solved = summary.count(store::TaskStatus::solved);
    result.budget_exhausted = summary.count(store::TaskStatus::budget_exhausted);
    result.spent = summary.spent;
    result.wall_s = summary.wall_s;
    return result;
}

}  // namespace

RunParts pipeline_parts(const RunConfig& config, RunResources& resources, std::size_t tasks) {
    RunParts parts;
    // The spec was stored with absolute script paths (to_json), so no base folder is needed.
    auto spec = search::parse_pipeline(config.pipeline, std::filesystem::path());
    if (!spec) throw FatalError(Error(spec.error()).with_context("the run's stored pipeline"));
    parts.pipeline = std::make_unique<PipelineSpec>(std::move(*spec));
    const PipelineSpec& pipeline = *parts.pipeline;

    std::optional<std::vector<StageSetting>> settings;
    if (!config.pipeline_config.is_null()) {
        auto read = search::settings_from_json(pipeline, config.pipeline_config);
        if (!read) throw FatalError(std::move(read).error());
        settings = std::move(*read);
    }

    std::map<std::string, search::ModelRuntime> models;
    for (const search::StageSpec& stage : pipeline.stages) {
        for (const std::string& name : stage.models) {
            if (models.count(name) > 0) continue;
            const ModelSpec& m = *pipeline.model(name);
            search::ModelRuntime rt;
            rt.spec = &m;
            auto backend = make_recorded_backend(model_config(m), resources.executor, resources.store, resources.pool);
            if (!backend) throw FatalError(Error(backend.error()).with_context("model " + name));
            rt.backend = std::move(backend->model);
            rt.stored = std::move(backend->stored);
            parts.stored_backends.push_back(rt.stored.get());
            PriceTable prices;
            prices.set("*", m.price);
            if (!m.model.empty()) prices.set(m.model, m.price);
            rt.services = std::make_unique<workers::RunServices>(workers::RunServices{
                resources.recorder, *rt.stored, resources.ledger, resources.log, config.seed, m.model,
                std::move(prices), m.architecture, pipeline.intensity});
            models.emplace(name, std::move(rt));
        }
    }
    if (models.empty()) fail(ErrorCode::invalid_input, "pipeline " + pipeline.name + " has no stage with a model");

    // A configuration run with a budget in a spending unit splits it; wall_s is the run's deadline.
    std::optional<search::BudgetAllocator> allocator;
    if (settings && !config.budget.empty()) {
        auto budget = search::parse_search_budget(config.budget, "the run's budget");
        if (!budget) throw FatalError(std::move(budget).error());
        if (budget->unit != BudgetUnit::wall_s)
            allocator.emplace(resources.ledger, resources.ledger.root(), budget->unit, budget->amount, tasks,
                              search::stage_weights(pipeline, *settings, budget->unit));
    }
    parts.services = std::make_unique<workers::RunServices>(*models.begin()->second.services);
    parts.strategy = std::make_unique<search::PipelineStrategy>(pipeline, std::move(settings), std::move(models),
                                                                std::move(allocator));
    return parts;
}

search::PipelineRunResult run_pipeline_settings(store::Store& store, const PipelineSpec& spec,
                                                const std::vector<StageSetting>& settings,
                                                const std::vector<tasks::Task>& tasks, const Logger& log,
                                                const PipelineRunOptions& options) {
    return execute(store, spec, &settings, tasks, log, options);
}

search::PipelineRunResult run_pipeline_config(store::Store& store, const PipelineSpec& spec,
                                              const search::SearchSpace& space, const search::Config& config,
                                              const std::vector<tasks::Task>& tasks, const Logger& log,
                                              const PipelineRunOptions& options) {
    auto settings = search::settings_of(spec, space, config);
    if (!settings) throw FatalError(std::move(settings).error());
    return execute(store, spec, &*settings, tasks, log, options);
}

search::PipelineRunResult record_pipeline(store::Store& store, const PipelineSpec& spec,
                                          const std::vector<tasks::Task>& tasks, const Logger& log,
                                          const PipelineRunOptions& options) {
    return execute(store, spec, nullptr, tasks, log, options);
}

}  // namespace braid::orchestrator
