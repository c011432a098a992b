#include "search/pipeline_samples.hpp"

#include <nlohmann/json.hpp>

#include "search/cost_model.hpp"

namespace braid::search {

namespace {

using search::ModelSpec;
using search::PipelineSpec;

[[noreturn]] void fail(ErrorCode code, std::string message) { throw FatalError(make_error(code, std::move(message))); }

// What one stored call cost in every unit: the store's billed USD, the rest from the cost model
// with the node's own usage and duration.
Amount node_cost(const store::NodeRecord& node, const ModelSpec* model, double intensity) {
    CallGroup group;
    group.prompt_tokens = static_cast<double>(node.usage.prompt_tokens);
    group.cached_prompt_tokens = static_cast<double>(node.usage.cached_prompt_tokens);
    group.completion_tokens = static_cast<double>(node.usage.completion_tokens);
    if (node.finished_ms > node.started_ms)
        group.latency_s = static_cast<double>(node.finished_ms - node.started_ms) / 1000.0;
    Amount a = model ? group_cost(*model, intensity, group) : Amount{};
    if (!model) {
        a[BudgetUnit::tokens] = group.prompt_tokens + group.completion_tokens;
        a[BudgetUnit::samples] = 1;
        a[BudgetUnit::wall_s] = group.latency_s;
    }
    a[BudgetUnit::usd] = node.cost_usd;
    return a;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// A generate scope "t/<task>/<stage>/<model>/t<k>" split from a candidate node's path.
struct ScopeOf {
    std::string stage, model;
    int iterations = 0;
    std::string scope_path;
};

std::optional<ScopeOf> scope_of(const std::string& path, const std::string& task_prefix) {
    if (!starts_with(path, task_prefix)) return std::nullopt;
    std::vector<std::string> parts;
    std::size_t start = task_prefix.size();
    while (parts.size() < 3) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string::npos) return std::nullopt;
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    if (parts[2].size() < 2 || parts[2][0] != 't') return std::nullopt;
    ScopeOf s;
    s.stage = parts[0];
    s.model = parts[1];
    s.iterations = std::atoi(parts[2].c_str() + 1);
    s.scope_path = path.substr(0, start - 1);
    return s;
}

}  // namespace

std::string generated_key(std::string_view stage, std::string_view model, int iterations) {
    return std::string(stage) + "/" + std::string(model) + "/t" + std::to_string(iterations);
}

std::string judged_key(std::string_view stage, std::string_view model) {
    return std::string(stage) + "/" + std::string(model);
}

PipelineSamples load_pipeline_samples(store::Store& store, std::int64_t run_id) {
    std::optional<store::RunRecord> run = store.run(RunId{run_id});
    if (!run) fail(ErrorCode::not_found, "run " + std::to_string(run_id) + " is not in the database");
    nlohmann::json config = nlohmann::json::parse(run->config_json, nullptr, false);
    const std::string strategy = config.is_object() ? config.value("strategy", std::string()) : std::string();
    if (strategy != "pipeline" || !config.contains("pipeline") || config["pipeline"].is_null())
        fail(ErrorCode::invalid_input, "run " + std::to_string(run_id) + " is not a pipeline record run (its strategy is '" +
                                           strategy + "'); record one with `braid search PIPELINE --dev TASKS --record`");
    if (config.contains("pipeline_config") && !config["pipeline_config"].is_null())
        fail(ErrorCode::invalid_input, "run " + std::to_string(run_id) +
                                           " ran one configuration of its pipeline; offline search needs a --record run");
    auto spec = search::parse_pipeline(config["pipeline"], "/");
    if (!spec) fail(ErrorCode::invalid_input, "run " + std::to_string(run_id) + ": stored pipeline: " + spec.error().message);

    PipelineSamples out;
    out.run = RunId{run_id};
    out.spec = std::move(*spec);
    const PipelineSpec& p = out.spec;

    std::vector<store::NodeRecord> nodes = store.nodes(out.run);
    std::map<std::string, const store::NodeRecord*> by_path;
    std::map<std::int64_t, const store::NodeRecord*> by_id;
    for (const store::NodeRecord& n : nodes) {
        by_path[n.path] = &n;
        by_id[n.id.value] = &n;
    }
    // The cost of the calls at `path` and below, skipping verify subjects ("<stage>@<model>").
    auto subtree_cost = [&](const std::string& path, const ModelSpec* model) {
        Amount total;
        for (auto it = by_path.lower_bound(path); it != by_path.end() && starts_with(it->first, path); ++it) {
            std::string_view rest = std::string_view(it->first).substr(path.size());
            if (!rest.empty() && rest[0] != '/') continue;
            if (rest.find('@') != std::string_view::npos) continue;
            if (it->second->usage.total_tokens() == 0 && it->second->cost_usd == 0) continue;
            total += node_cost(*it->second, model, p.intensity);
        }
        return total;
    };

    std::map<std::int64_t, std::map<std::string, double>> scores;  // node → verifier → score
    std::vector<const store::VerdictRecord*> judge_verdicts;
    std::vector<store::VerdictRecord> verdicts = store.verdicts(out.run);
    for (const store::VerdictRecord& v : verdicts) {
        // The first verify stage × model stores "judge", the others "judge:<stage>@<model>".
        if (v.verifier == "judge" || starts_with(v.verifier, "judge:"))
            judge_verdicts.push_back(&v);
        else
            scores[v.node.value][v.verifier] = v.score;
    }

    std::map<std::string, std::size_t> task_index;
    for (const store::TaskRecord& t : store.tasks(out.run)) {
        task_index[t.task_id] = out.tasks.size();
        out.tasks.push_back(TaskSamples{t.task_id, {}, {}});
    }
    std::map<std::int64_t, std::string> key_of;  // candidate node → its key
    for (const store::CandidateRecord& c : store.candidates(out.run)) {
        auto t = task_index.find(c.task);
        auto node = by_id.find(c.node.value);
        if (t == task_index.end() || node == by_id.end()) continue;
        auto scope = scope_of(node->second->path, "t/" + c.task + "/");
        if (!scope) continue;
        StoredSample s;
        s.key = c.normalized;
        s.scores = scores[c.node.value];
        s.cost = subtree_cost(node->second->path, p.model(scope->model));
        s.completion_tokens = node->second->usage.completion_tokens;
        key_of[c.node.value] = c.normalized;
        out.tasks[t->second].generated[generated_key(scope->stage, scope->model, scope->iterations)].push_back(std::move(s));
    }
    for (const store::VerdictRecord* v : judge_verdicts) {
        auto t = task_index.find(v->task);
        auto node = by_id.find(v->node.value);
        auto key = key_of.find(v->node.value);
        if (t == task_index.end() || node == by_id.end() || key == key_of.end()) continue;
        nlohmann::json details = nlohmann::json::parse(v->details_json, nullptr, false);
        if (!details.is_object() || !details.contains("stage") || !details.contains("model")) continue;
        const std::string stage = details.value("stage", std::string());
        const std::string model = details.value("model", std::string());
        StoredJudgement j;
        j.logprobs = details.value("logprobs", false);
        j.score = v->score;
        if (details.contains("verdicts") && details["verdicts"].is_array())
            for (const nlohmann::json& x : details["verdicts"])
                if (x.is_number()) j.verdicts.push_back(x.get<double>());
        const std::string subject = node->second->path + "/" + stage + "@" + model + "/judge";
        Amount calls;
        double count = 0;
        for (auto it = by_path.lower_bound(subject); it != by_path.end() && starts_with(it->first, subject); ++it) {
            calls += node_cost(*it->second, p.model(model), p.intensity);
            count += 1;
        }
        if (count > 0) {
            for (std::size_t u = 0; u < num_budget_units; ++u)
                calls[static_cast<BudgetUnit>(u)] /= count;
            j.cost_per_call = calls;
        }
        out.tasks[t->second].judged[judged_key(stage, model)][key->second] = std::move(j);
    }
    return out;
}

std::int64_t latest_record_run(store::Store& store, const std::string& pipeline_name) {
    std::int64_t latest = 0;
    for (const store::RunRecord& r : store.runs()) {
        nlohmann::json config = nlohmann::json::parse(r.config_json, nullptr, false);
        if (!config.is_object() || config.value("strategy", std::string()) != "pipeline") continue;
        if (!config.contains("pipeline") || !config["pipeline"].is_object()) continue;
        if (config.contains("pipeline_config") && !config["pipeline_config"].is_null()) continue;
        if (config["pipeline"].value("name", std::string()) != pipeline_name) continue;
        latest = std::max(latest, r.id.value);
    }
    return latest;
}

}  // namespace braid::search
