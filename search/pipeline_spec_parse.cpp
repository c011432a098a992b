// parse_pipeline: the JSON fields of a spec, checked one by one. The stage graph (inputs, cycles,
// order) is checked in pipeline_graph.cpp.

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>
#include <system_error>

#include "planner/strategy.hpp"
#include "search/pipeline_graph.hpp"
#include "search/pipeline_spec.hpp"
#include "verifiers/selection.hpp"

namespace braid::search {

namespace {

using nlohmann::json;
using detail::SpecError;
using detail::fail;

std::string field(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string item(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

std::string joined(std::initializer_list<std::string_view> names) {
    std::string out;
    for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

// Every key of `object` must be one of `known`: a misspelled key would otherwise be silently
// ignored and its default used.
void check_keys(const json& object, const std::string& path, std::string_view what,
                std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : object.items()) {
        if (std::find(known.begin(), known.end(), key) == known.end())
            fail(field(path, key), "unknown " + std::string(what) + " key (known: " + joined(known) + ")");
    }
}

const json& object_at(const json& parent, const std::string& path, std::string_view key) {
    const json& value = parent.at(std::string(key));
    if (!value.is_object()) fail(field(path, key), "must be an object");
    return value;
}

std::string string_or(const json& object, const std::string& path, std::string_view key, std::string fallback) {
    auto it = object.find(std::string(key));
    if (it == object.end()) return fallback;
    if (!it->is_string()) fail(field(path, key), "must be a string");
    return it->get<std::string>();
}

std::string required_string(const json& object, const std::string& path, std::string_view key) {
    if (!object.contains(std::string(key))) fail(field(path, key), "required");
    std::string value = string_or(object, path, key, "");
    if (value.empty()) fail(field(path, key), "must not be empty");
    return value;
}

double non_negative_or(const json& object, const std::string& path, std::string_view key, double fallback) {
    auto it = object.find(std::string(key));
    if (it == object.end()) return fallback;
    if (!it->is_number() || it->get<double>() < 0) fail(field(path, key), "must be a non-negative number");
    return it->get<double>();
}

// A non-empty list of distinct, non-empty strings.
std::vector<std::string> string_list(const json& object, const std::string& path, std::string_view key) {
    const std::string list_path = field(path, key);
    const json& list = object.at(std::string(key));
    if (!list.is_array() || list.empty()) fail(list_path, "must be a non-empty array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string() || list[i].get<std::string>().empty())
            fail(item(list_path, i), "must be a non-empty string");
        std::string value = list[i].get<std::string>();
        if (std::find(out.begin(), out.end(), value) != out.end())
            fail(item(list_path, i), "duplicate '" + value + "'");
        out.push_back(std::move(value));
    }
    return out;
}

// A non-empty list of integers >= `min_value`, strictly ascending.
std::vector<int> count_list(const json& object, const std::string& path, std::string_view key,
                            std::vector<int> fallback, int min_value) {
    auto it = object.find(std::string(key));
    if (it == object.end()) return fallback;
    const std::string list_path = field(path, key);
    if (!it->is_array() || it->empty()) fail(list_path, "must be a non-empty array of integers");
    std::vector<int> out;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& v = (*it)[i];
        if (!v.is_number_integer() || v.get<std::int64_t>() < min_value ||
            v.get<std::int64_t>() > std::numeric_limits<int>::max())
            fail(item(list_path, i), "must be an integer >= " + std::to_string(min_value));
        int n = v.get<int>();
        if (!out.empty() && n <= out.back())
            fail(item(list_path, i), std::to_string(n) + " after " + std::to_string(out.back()) +
                                         ": values must be ascending and distinct");
        out.push_back(n);
    }
    return out;
}

ModelPrice parse_price(const json& model, const std::string& path) {
    ModelPrice price;
    if (!model.contains("price")) return price;
    const std::string price_path = field(path, "price");
    const json& p = object_at(model, path, "price");
    check_keys(p, price_path, "price", {"input", "output", "cached_input"});
    price.input_usd_per_mtok = non_negative_or(p, price_path, "input", 0);
    price.output_usd_per_mtok = non_negative_or(p, price_path, "output", 0);
    // Like the openai price table: no cached price means cached tokens cost the input price.
    price.cached_input_usd_per_mtok = non_negative_or(p, price_path, "cached_input", price.input_usd_per_mtok);
    return price;
}

std::filesystem::path resolve_script(const std::string& script, const std::filesystem::path& base_dir,
                                     const std::string& path) {
    std::filesystem::path p(script);
    if (p.is_relative()) p = base_dir / p;
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(p, ec).lexically_normal();
    if (ec || !std::filesystem::is_regular_file(absolute, ec))
        fail(path, "script file '" + absolute.string() + "' not found");
    return absolute;
}

ModelSpec parse_model(const std::string& name, const json& m, const std::filesystem::path& base_dir) {
    const std::string path = "models." + name;
    if (!m.is_object()) fail(path, "must be an object");
    check_keys(m, path, "model",
               {"backend", "model", "base_url", "api_key_env", "script", "options", "price", "params",
                "layers", "heads", "kv_heads", "head_dim", "latency_ms"});
    ModelSpec spec;
    spec.name = name;
    auto backend = backends::parse_backend_kind(required_string(m, path, "backend"));
    if (!backend) fail(field(path, "backend"), backend.error().message);
    spec.backend = *backend;
    spec.model = string_or(m, path, "model", "");
    spec.base_url = string_or(m, path, "base_url", "");
    spec.api_key_env = string_or(m, path, "api_key_env", "");
    if (spec.backend == backends::BackendKind::scripted) {
        std::string script = required_string(m, path, "script");
        spec.script_path = resolve_script(script, base_dir, field(path, "script")).string();
    } else if (m.contains("script")) {
        fail(field(path, "script"), "only the scripted backend takes a script (backend is '" +
                                        std::string(backends::to_string(spec.backend)) + "')");
    }
    if (m.contains("options")) spec.options = object_at(m, path, "options");
    spec.price = parse_price(m, path);
    spec.architecture.params = non_negative_or(m, path, "params", 0);
    spec.architecture.layers = non_negative_or(m, path, "layers", 0);
    spec.architecture.heads = non_negative_or(m, path, "heads", 0);
    spec.architecture.kv_heads = non_negative_or(m, path, "kv_heads", 0);
    spec.architecture.head_dim = non_negative_or(m, path, "head_dim", 0);
    spec.latency_ms = non_negative_or(m, path, "latency_ms", 0);
    return spec;
}

StageKind parse_kind(const json& s, const std::string& path) {
    std::string kind = required_string(s, path, "kind");
    for (StageKind k : {StageKind::generate, StageKind::verify, StageKind::select})
        if (kind == to_string(k)) return k;
    fail(field(path, "kind"), "unknown kind '" + kind + "' (supported: generate, verify, select)");
}

// Keys a stage of this kind must not carry: they would be ignored, so they are a mistake.
void reject_keys(const json& s, const std::string& path, StageKind kind,
                 std::initializer_list<std::string_view> keys) {
    for (std::string_view key : keys)
        if (s.contains(std::string(key)))
            fail(field(path, key), "a " + std::string(to_string(kind)) + " stage takes no '" + std::string(key) + "'");
}

void parse_generate_fields(const json& s, const std::string& path, StageSpec& stage) {
    stage.strategy = string_or(s, path, "strategy", "best-of-n");
    const std::vector<std::string> known = planner::strategy_names();
    if (std::find(known.begin(), known.end(), stage.strategy) == known.end())
        fail(field(path, "strategy"), "unknown strategy '" + stage.strategy + "' (supported: best-of-n, refine, swe)");
    // A generate stage varies samples and iterations (refine rounds, agent steps) and nothing else.
    if (stage.strategy != "best-of-n" && stage.strategy != "refine" && stage.strategy != "swe")
        fail(field(path, "strategy"),
             "strategy '" + stage.strategy + "' cannot be a generate stage (supported: best-of-n, refine, swe)");
    stage.iterations = count_list(s, path, "iterations", {1}, 1);
    if (stage.strategy == "best-of-n" && stage.iterations != std::vector<int>{1})
        fail(field(path, "iterations"),
             "the best-of-n strategy has no iteration knob, so iterations must be [1] "
             "(use strategy refine or swe to vary iterations)");
}

void parse_call_fields(const json& s, const std::string& path, const std::vector<ModelSpec>& models,
                       StageSpec& stage) {
    if (!s.contains("models")) fail(field(path, "models"), "required: at least one model");
    stage.models = string_list(s, path, "models");
    for (std::size_t i = 0; i < stage.models.size(); ++i) {
        bool known = std::any_of(models.begin(), models.end(),
                                 [&](const ModelSpec& m) { return m.name == stage.models[i]; });
        if (!known) fail(item(field(path, "models"), i), "unknown model '" + stage.models[i] + "'");
    }
    const int min_samples = stage.kind == StageKind::verify ? 0 : 1;
    stage.samples = count_list(s, path, "samples", {1}, min_samples);
    if (s.contains("max_tokens")) {
        const json& v = s.at("max_tokens");
        if (!v.is_number_integer() || v.get<std::int64_t>() <= 0)
            fail(field(path, "max_tokens"), "must be a positive integer");
        stage.max_tokens = v.get<std::int64_t>();
    }
    if (s.contains("tokens")) {
        const std::string tokens_path = field(path, "tokens");
        const json& t = object_at(s, path, "tokens");
        check_keys(t, tokens_path, "tokens", {"in", "out"});
        stage.tokens.in = non_negative_or(t, tokens_path, "in", 0);
        stage.tokens.out = non_negative_or(t, tokens_path, "out", 0);
    }
}

StageSpec parse_stage(const json& s, const std::string& path, const std::vector<ModelSpec>& models) {
    if (!s.is_object()) fail(path, "must be an object");
    check_keys(s, path, "stage",
               {"name", "kind", "inputs", "models", "samples", "iterations", "rules", "strategy",
                "max_tokens", "tokens"});
    StageSpec stage;
    stage.name = required_string(s, path, "name");
    if (stage.name.find_first_of("/@") != std::string::npos)
        fail(field(path, "name"), "a stage name must not contain '/' or '@'");
    stage.kind = parse_kind(s, path);
    if (s.contains("inputs")) {
        const json& inputs = s.at("inputs");
        // An empty list means "no inputs", the same as leaving the key out.
        if (!(inputs.is_array() && inputs.empty())) stage.inputs = string_list(s, path, "inputs");
    }
    switch (stage.kind) {
        case StageKind::generate:
            reject_keys(s, path, stage.kind, {"rules"});
            parse_generate_fields(s, path, stage);
            parse_call_fields(s, path, models, stage);
            break;
        case StageKind::verify:
            reject_keys(s, path, stage.kind, {"rules", "strategy", "iterations"});
            parse_call_fields(s, path, models, stage);
            stage.strategy.clear();  // a generate-stage knob
            stage.iterations = {1};  // one judging pass per call: a single, fixed choice
            break;
        case StageKind::select:
            reject_keys(s, path, stage.kind, {"models", "samples", "iterations", "strategy", "max_tokens", "tokens"});
            if (!s.contains("rules")) fail(field(path, "rules"), "required: at least one selection rule");
            stage.rules = string_list(s, path, "rules");
            for (std::size_t r = 0; r < stage.rules.size(); ++r)
                if (auto ok = verifiers::rule_verifiers(stage.rules[r]); !ok)
                    fail(item(field(path, "rules"), r), ok.error().message);
            stage.strategy.clear();  // no samples, iterations or strategy: a select stage calls no model
            break;
    }
    return stage;
}

PipelineSpec parse_spec(const json& j, const std::filesystem::path& base_dir) {
    if (!j.is_object()) fail("spec", "must be a JSON object");
    check_keys(j, "", "top-level", {"name", "intensity", "models", "stages"});
    PipelineSpec spec;
    spec.name = string_or(j, "", "name", "");
    if (j.contains("intensity")) {
        const json& v = j.at("intensity");
        if (!v.is_number() || v.get<double>() <= 0) fail("intensity", "must be a positive number");
        spec.intensity = v.get<double>();
    }

    if (!j.contains("models")) fail("models", "required");
    for (const auto& [name, m] : object_at(j, "", "models").items()) {
        if (name.empty()) fail("models", "a model name must not be empty");
        // Names are path segments of the stored run (t/<task>/<stage>/<model>/..., <stage>@<model>).
        if (name.find_first_of("/@") != std::string::npos)
            fail("models." + name, "a model name must not contain '/' or '@'");
        spec.models.push_back(parse_model(name, m, base_dir));
    }

    if (!j.contains("stages")) fail("stages", "required");
    const json& stages = j.at("stages");
    if (!stages.is_array() || stages.empty()) fail("stages", "must be a non-empty array of stages");
    std::set<std::string, std::less<>> names;
    for (std::size_t i = 0; i < stages.size(); ++i) {
        StageSpec stage = parse_stage(stages[i], item("stages", i), spec.models);
        if (!names.insert(stage.name).second)
            fail(field(item("stages", i), "name"), "duplicate stage name '" + stage.name + "'");
        spec.stages.push_back(std::move(stage));
    }
    spec.stages = detail::order_stages(std::move(spec.stages));
    return spec;
}

}  // namespace

Result<PipelineSpec> parse_pipeline(const nlohmann::json& spec, const std::filesystem::path& base_dir) {
    try {
        return parse_spec(spec, base_dir);
    } catch (const SpecError& e) {
        return make_error(ErrorCode::invalid_input, e.message);
    }
}

}  // namespace braid::search
