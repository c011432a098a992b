// PipelineStrategy (pipeline_strategy.hpp): one task's stages in order, then the select rule; or
// every stage × model for a record run. The stages themselves are in pipeline_stages.cpp.
#include "search/pipeline_strategy.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "planner/strategy.hpp"
#include "search/cost_model.hpp"
#include "verifiers/selection.hpp"

namespace braid::search {

namespace {

// A pipeline without a select stage picks among its last generate stage's candidates by this rule.
constexpr std::string_view default_rule = "majority";
constexpr std::string_view judge_name = "judge";

Error invalid(std::string message) { return make_error(ErrorCode::invalid_input, std::move(message)); }

// The generate stage that feeds `stage` (its first generate input), or stages.size().
std::size_t generate_input(const PipelineSpec& spec, const StageSpec& stage) {
    for (const std::string& name : stage.inputs) {
        std::size_t i = spec.stage_index(name);
        if (i < spec.stages.size() && spec.stages[i].kind == StageKind::generate) return i;
    }
    return spec.stages.size();
}

}  // namespace

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

Result<std::vector<StageSetting>> settings_from_json(const PipelineSpec& spec, const nlohmann::json& j) {
    if (!j.is_object()) return invalid("a pipeline configuration is a JSON object");
    std::vector<StageSetting> settings;
    for (const StageSpec& stage : spec.stages) {
        const auto it = j.find(stage.name);
        if (it == j.end() || !it->is_object()) return invalid("pipeline configuration: no setting for stage " + stage.name);
        StageSetting set;
        try {
            if (stage.kind == StageKind::select) {
                set.rule = it->at("rule").get<std::string>();
            } else {
                set.model = it->at("model").get<std::string>();
                set.samples = it->at("samples").get<int>();
                set.iterations = it->at("iterations").get<int>();
            }
        } catch (const nlohmann::json::exception& e) {
            return invalid("pipeline configuration: stage " + stage.name + ": " + e.what());
        }
        settings.push_back(std::move(set));
    }
    return settings;
}

Result<std::vector<StageSetting>> settings_of(const PipelineSpec& spec, const SearchSpace& space,
                                              const Config& config) {
    if (config.size() != spec.stages.size() || space.stages().size() != spec.stages.size())
        return invalid("the configuration does not match the pipeline's stages");
    std::vector<StageSetting> settings;
    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        const StageAxes& axes = space.stages()[s];
        const StageChoice& c = config[s];
        if (c.model >= axes.models.size() || c.samples >= axes.samples.size() ||
            c.iterations >= axes.iterations.size() || c.rule >= axes.rules.size())
            return invalid("stage " + spec.stages[s].name + ": a choice out of range");
        settings.push_back(StageSetting{space.model(config, s), space.samples(config, s), space.iterations(config, s),
                                        space.rule(config, s)});
    }
    return settings;
}

Result<void> check_settings(const PipelineSpec& spec, const std::vector<StageSetting>* settings) {
    if (settings && settings->size() != spec.stages.size())
        return invalid("a configuration needs one setting per stage");
    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        const StageSpec& stage = spec.stages[s];
        for (const std::string& m : stage.models)
            if (spec.model(m) == nullptr) return invalid("stage " + stage.name + ": unknown model " + m);
        if (stage.kind == StageKind::generate) {
            const int samples = settings ? (*settings)[s].samples : (stage.samples.empty() ? 1 : stage.samples.back());
            if (auto ok = planner::make_strategy(stage.strategy, generate_options(stage, samples, 1)); !ok)
                return Error(ok.error()).with_context("stage " + stage.name);
        }
        if (!settings) continue;
        const StageSetting& set = (*settings)[s];
        if (stage.kind == StageKind::select) {
            if (auto ok = verifiers::rule_verifiers(set.rule); !ok)
                return Error(ok.error()).with_context("stage " + stage.name);
        } else if (spec.model(set.model) == nullptr) {
            return invalid("stage " + stage.name + ": unknown model '" + set.model + "'");
        }
    }
    return {};
}

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

PipelineStrategy::PipelineStrategy(const PipelineSpec& spec, std::optional<std::vector<StageSetting>> settings,
                                   std::map<std::string, ModelRuntime> models, std::optional<BudgetAllocator> allocator)
    : spec_(spec), settings_(std::move(settings)), models_(std::move(models)), allocator_(std::move(allocator)) {
    BRAID_ASSERT(!models_.empty(), "a pipeline strategy has a model");
}

std::string_view PipelineStrategy::selection_rule() const {
    if (settings_)
        for (std::size_t s = 0; s < spec_.stages.size(); ++s)
            if (spec_.stages[s].kind == StageKind::select) return (*settings_)[s].rule;
    return default_rule;
}

asio::awaitable<planner::TaskOutcome> PipelineStrategy::solve(workers::RunServices&, planner::TaskScope scope) {
    // A budgeted configuration run draws on the task's share, a child of the task's own account.
    if (allocator_) scope.account = allocator_->open_task(scope.path + "/share", scope.account);
    planner::TaskOutcome outcome;
    // Two statements, not a conditional expression: GCC 12 miscompiles co_await inside ?:.
    if (settings_)
        outcome = co_await run_configured(scope);
    else
        outcome = co_await run_record(scope);
    if (allocator_) allocator_->finish_task(scope.account);
    co_return outcome;
}

// A configuration run's stage account: its share of the task's (allocator), else a plain child.
Ledger::AccountId PipelineStrategy::stage_account(const planner::TaskScope& scope, std::size_t stage) {
    const std::string label = scope.path + "/" + spec_.stages[stage].name;
    return allocator_ ? allocator_->open_stage(scope.account, stage, label)
                      : models_.begin()->second.services->ledger.open(scope.account, label);
}

// One configuration on one task: the stages in spec order, then the select rule.
asio::awaitable<planner::TaskOutcome> PipelineStrategy::run_configured(planner::TaskScope scope) {
    const std::vector<StageSetting>& settings = *settings_;
    std::vector<std::vector<verifiers::Candidate>> candidates(spec_.stages.size());
    verifiers::Shortfall shortfall;
    std::string rule(default_rule);
    std::size_t selected_stage = spec_.stages.size();
    std::string select_label = "select";
    bool first_verify = true;  // the first verify stage's verdicts are "judge", the others' their stage name
    workers::RunServices* services = models_.begin()->second.services.get();

    for (std::size_t s = 0; s < spec_.stages.size(); ++s) {
        const StageSpec& stage = spec_.stages[s];
        const StageSetting& set = settings[s];
        if (stage.kind == StageKind::generate) {
            ModelRuntime* model = &models_.at(set.model);
            const Ledger::AccountId account = stage_account(scope, s);
            StageResult r = co_await run_generate(&stage, model, set.samples, set.iterations, scope, account);
            shortfall.budget_refused = shortfall.budget_refused || r.budget_refused;
            if (!r.error.empty()) shortfall.last_error = r.error;
            candidates[s] = std::move(r.candidates);
            selected_stage = s;
            services = model->services.get();
        } else if (stage.kind == StageKind::verify) {
            const std::size_t input = generate_input(spec_, stage);
            std::string verifier = first_verify ? std::string(judge_name) : stage.name;
            first_verify = false;
            if (set.samples <= 0 || input == spec_.stages.size() || candidates[input].empty()) continue;
            const Ledger::AccountId account = stage_account(scope, s);
            StageResult r = co_await run_verify(&stage, &models_.at(set.model), set.samples, std::move(verifier), scope,
                                                account, &candidates[input]);
            shortfall.budget_refused = shortfall.budget_refused || r.budget_refused;
            if (!r.error.empty()) shortfall.last_error = r.error;
        } else {
            rule = set.rule;
            selected_stage = generate_input(spec_, stage);
            select_label = stage.name;
        }
    }

    planner::TaskOutcome outcome;
    std::vector<NodeId> nodes;
    if (selected_stage < spec_.stages.size()) outcome.candidates = candidates[selected_stage];
    for (const verifiers::Candidate& c : outcome.candidates) nodes.push_back(c.node);
    planner::verdict_recorder(*services, scope)
        .select({.rule = rule,
                 .label = select_label,
                 .joined = nodes,
                 .fallback = shortfall.fallback(outcome.candidates.size()),
                 .event = nlohmann::json{{"metrics", planner::to_json(outcome.metrics)}}},
                outcome);
    // A task the ledger stopped counts as stopped by the budget unless it was solved anyway.
    if (shortfall.budget_refused && outcome.status != store::TaskStatus::solved) {
        outcome.status = store::TaskStatus::budget_exhausted;
        if (outcome.error.empty()) outcome.error = "the task's share of the budget ran out";
    }
    co_return outcome;
}

// Every stage × model (× iteration cap) at its largest sample count; the outcome is coverage:
// solved when some candidate is correct.
asio::awaitable<planner::TaskOutcome> PipelineStrategy::run_record(planner::TaskScope scope) {
    std::vector<std::vector<verifiers::Candidate>> candidates(spec_.stages.size());
    Ledger& ledger = models_.begin()->second.services->ledger;
    bool refused = false;
    std::string error;
    bool first_judge = true;  // the first verify stage × model stores "judge"; the others name themselves
    for (std::size_t s = 0; s < spec_.stages.size(); ++s) {
        const StageSpec& stage = spec_.stages[s];
        if (stage.kind == StageKind::select || stage.samples.empty()) continue;
        const int samples = stage.samples.back();
        if (stage.kind == StageKind::generate) {
            const std::vector<int> caps = stage.iterations.empty() ? std::vector<int>{1} : stage.iterations;
            for (const std::string& name : stage.models) {
                for (int cap : caps) {
                    ModelRuntime* model = &models_.at(name);
                    const Ledger::AccountId account =
                        ledger.open(scope.account, generate_path(scope.path, stage, name, cap));
                    StageResult r = co_await run_generate(&stage, model, samples, cap, scope, account);
                    refused = refused || r.budget_refused;
                    if (!r.error.empty()) error = r.error;
                    for (verifiers::Candidate& c : r.candidates) candidates[s].push_back(std::move(c));
                }
            }
        } else {
            const std::size_t input = generate_input(spec_, stage);
            if (samples <= 0 || input == spec_.stages.size()) continue;
            for (const std::string& name : stage.models) {
                std::string verifier = first_judge ? std::string(judge_name)
                                                   : std::string(judge_name) + ":" + stage.name + "@" + name;
                first_judge = false;
                const Ledger::AccountId account = ledger.open(scope.account, scope.path + "/" + stage.name + "@" + name);
                StageResult r = co_await run_verify(&stage, &models_.at(name), samples, std::move(verifier), scope,
                                                    account, &candidates[input]);
                refused = refused || r.budget_refused;
                if (!r.error.empty()) error = r.error;
            }
        }
    }
    planner::TaskOutcome outcome;
    for (auto& list : candidates) {
        for (verifiers::Candidate& c : list) {
            if (verifiers::correctness(c).value_or(false))
                outcome.status = store::TaskStatus::solved;
            outcome.candidates.push_back(std::move(c));
        }
    }
    if (outcome.status != store::TaskStatus::solved && refused)
        outcome.status = store::TaskStatus::budget_exhausted;
    if (outcome.candidates.empty() && !refused && !error.empty())
        outcome.status = store::TaskStatus::failed;
    outcome.error = error;
    co_return outcome;
}

}  // namespace braid::search
