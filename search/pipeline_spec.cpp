#include "search/pipeline_spec.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

namespace braid::search {

using nlohmann::json;

std::string_view to_string(StageKind kind) {
    switch (kind) {
        case StageKind::generate: return "generate";
        case StageKind::verify: return "verify";
        case StageKind::select: return "select";
    }
    return "unknown";
}

// Parameters are not called `name`: PipelineSpec has a member of that name.
const ModelSpec* PipelineSpec::model(std::string_view wanted) const {
    auto it = std::find_if(models.begin(), models.end(), [&](const ModelSpec& m) { return m.name == wanted; });
    return it == models.end() ? nullptr : &*it;
}

const StageSpec* PipelineSpec::stage(std::string_view wanted) const {
    std::size_t i = stage_index(wanted);
    return i == stages.size() ? nullptr : &stages[i];
}

std::size_t PipelineSpec::stage_index(std::string_view wanted) const {
    auto it = std::find_if(stages.begin(), stages.end(), [&](const StageSpec& s) { return s.name == wanted; });
    return static_cast<std::size_t>(it - stages.begin());
}

Result<PipelineSpec> load_pipeline(const std::filesystem::path& path) {
    const std::string context = "pipeline spec '" + path.string() + "'";
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::not_found, context + ": cannot read the file");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return make_error(ErrorCode::invalid_input, context + ": not valid JSON");
    std::filesystem::path base_dir = path.parent_path();
    if (base_dir.empty()) base_dir = ".";
    auto spec = parse_pipeline(j, base_dir);
    if (!spec) return std::move(spec).error().with_context(context);
    return spec;
}

namespace {

json model_json(const ModelSpec& m) {
    json j = {{"backend", std::string(backends::to_string(m.backend))}, {"options", m.options}};
    if (!m.model.empty()) j["model"] = m.model;
    if (!m.base_url.empty()) j["base_url"] = m.base_url;
    if (!m.api_key_env.empty()) j["api_key_env"] = m.api_key_env;
    if (!m.script_path.empty()) j["script"] = m.script_path;  // absolute: rebuilds from anywhere
    j["price"] = {{"input", m.price.input_usd_per_mtok},
                  {"output", m.price.output_usd_per_mtok},
                  {"cached_input", m.price.cached_input_usd_per_mtok}};
    j["params"] = m.architecture.params;
    j["layers"] = m.architecture.layers;
    j["heads"] = m.architecture.heads;
    j["kv_heads"] = m.architecture.kv_heads;
    j["head_dim"] = m.architecture.head_dim;
    j["latency_ms"] = m.latency_ms;
    return j;
}

// Only the keys the parser accepts for the stage's kind.
json stage_json(const StageSpec& s) {
    json j = {{"name", s.name}, {"kind", std::string(to_string(s.kind))}, {"inputs", s.inputs}};
    if (s.kind == StageKind::select) {
        j["rules"] = s.rules;
        return j;
    }
    j["models"] = s.models;
    j["samples"] = s.samples;
    j["max_tokens"] = s.max_tokens;
    j["tokens"] = {{"in", s.tokens.in}, {"out", s.tokens.out}};
    if (s.kind == StageKind::generate) {
        j["strategy"] = s.strategy;
        j["iterations"] = s.iterations;
    }
    return j;
}

}  // namespace

nlohmann::json to_json(const PipelineSpec& spec) {
    json models = json::object();
    for (const ModelSpec& m : spec.models) models[m.name] = model_json(m);
    json stages = json::array();
    for (const StageSpec& s : spec.stages) stages.push_back(stage_json(s));
    return {{"name", spec.name}, {"intensity", spec.intensity}, {"models", models}, {"stages", stages}};
}

}  // namespace braid::search
