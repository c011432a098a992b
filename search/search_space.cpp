#include "search/search_space.hpp"
#include "core/json_text.hpp"

#include <limits>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace braid::search {
namespace {

// A stage axis is shown (describe, to_json) unless it is the placeholder of a stage without it.
bool has_models(const StageAxes& s) { return !(s.models.size() == 1 && s.models[0].empty()); }
bool has_rules(const StageAxes& s) { return !(s.rules.size() == 1 && s.rules[0].empty()); }
bool shows_samples(const StageAxes& s) { return has_models(s) || s.samples.size() > 1; }
bool shows_iterations(const StageAxes& s) { return has_models(s) || s.iterations.size() > 1; }

std::size_t saturating_product(std::size_t a, std::size_t b) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) return std::numeric_limits<std::size_t>::max();
    return a * b;
}

Error field_error(const std::string& stage, const std::string& field, const std::string& why) {
    return make_error(ErrorCode::invalid_input, stage + "." + field + ": " + why);
}

template <class T>
Result<std::size_t> choice_index(const nlohmann::json& j, const std::vector<T>& choices,
                                 const std::string& stage, const std::string& field) {
    if (!j.contains(field)) {
        if (choices.size() == 1) return std::size_t{0};
        return field_error(stage, field, "missing");
    }
    const nlohmann::json& v = j.at(field);
    T value{};
    if constexpr (std::is_same_v<T, int>) {
        if (!v.is_number_integer())
            return field_error(stage, field, "not an integer: " + json_text(v));
        value = v.get<int>();
    } else {
        if (!v.is_string()) return field_error(stage, field, "not a string: " + json_text(v));
        value = v.get<std::string>();
    }
    for (std::size_t i = 0; i < choices.size(); ++i) {
        if (choices[i] == value) return i;
    }
    return field_error(stage, field, json_text(v) + " is not a choice");
}

}  // namespace

SearchSpace::SearchSpace(std::vector<StageAxes> stages) : stages_(std::move(stages)) {
    for (const StageAxes& s : stages_) {
        BRAID_ASSERT(!s.models.empty() && !s.samples.empty() && !s.iterations.empty() && !s.rules.empty(),
                     "every stage axis needs at least one choice");
    }
}

SearchSpace SearchSpace::from_pipeline(const search::PipelineSpec& spec) {
    std::vector<StageAxes> stages;
    stages.reserve(spec.stages.size());
    for (const search::StageSpec& st : spec.stages) {
        StageAxes axes;
        axes.name = st.name;
        const bool select = st.kind == search::StageKind::select;
        axes.models = (select || st.models.empty()) ? std::vector<std::string>{""} : st.models;
        axes.samples = (select || st.samples.empty()) ? std::vector<int>{1} : st.samples;
        axes.iterations = (select || st.iterations.empty()) ? std::vector<int>{1} : st.iterations;
        axes.rules = (!select || st.rules.empty()) ? std::vector<std::string>{""} : st.rules;
        stages.push_back(std::move(axes));
    }
    return SearchSpace(std::move(stages));
}

std::size_t SearchSpace::size() const {
    if (stages_.empty()) return 0;
    std::size_t n = 1;
    for (const StageAxes& s : stages_) n = saturating_product(n, s.size());
    return n;
}

// Mixed radix: stage 0 most significant; within a stage model, samples, iterations, rule.
Config SearchSpace::at(std::size_t index) const {
    BRAID_ASSERT(index < size(), "grid index out of range");
    Config c(stages_.size());
    for (std::size_t k = stages_.size(); k-- > 0;) {
        const StageAxes& s = stages_[k];
        c[k].rule = index % s.rules.size();
        index /= s.rules.size();
        c[k].iterations = index % s.iterations.size();
        index /= s.iterations.size();
        c[k].samples = index % s.samples.size();
        index /= s.samples.size();
        c[k].model = index % s.models.size();
        index /= s.models.size();
    }
    return c;
}

std::size_t SearchSpace::index_of(const Config& config) const {
    BRAID_ASSERT(valid(config), "index_of an invalid config");
    std::size_t index = 0;
    for (std::size_t k = 0; k < stages_.size(); ++k) {
        const StageAxes& s = stages_[k];
        index = index * s.models.size() + config[k].model;
        index = index * s.samples.size() + config[k].samples;
        index = index * s.iterations.size() + config[k].iterations;
        index = index * s.rules.size() + config[k].rule;
    }
    return index;
}

bool SearchSpace::valid(const Config& config) const {
    if (config.size() != stages_.size()) return false;
    for (std::size_t k = 0; k < stages_.size(); ++k) {
        const StageAxes& s = stages_[k];
        const StageChoice& c = config[k];
        if (c.model >= s.models.size() || c.samples >= s.samples.size() ||
            c.iterations >= s.iterations.size() || c.rule >= s.rules.size())
            return false;
    }
    return true;
}

std::string SearchSpace::describe(const Config& config) const {
    std::string out;
    for (std::size_t k = 0; k < stages_.size(); ++k) {
        const StageAxes& s = stages_[k];
        if (!out.empty()) out += ' ';
        out += s.name + "=";
        std::string body;
        if (has_models(s)) body += model(config, k);
        if (shows_samples(s)) body += "×" + std::to_string(samples(config, k));
        if (s.iterations.size() > 1) body += "×" + std::to_string(iterations(config, k)) + "it";
        if (has_rules(s)) body += (body.empty() ? "" : ":") + rule(config, k);
        out += body;
    }
    return out;
}

nlohmann::json SearchSpace::to_json(const Config& config) const {
    BRAID_ASSERT(valid(config), "to_json of an invalid config");
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t k = 0; k < stages_.size(); ++k) {
        const StageAxes& s = stages_[k];
        nlohmann::json stage = nlohmann::json::object();
        if (has_models(s)) stage["model"] = model(config, k);
        if (shows_samples(s)) stage["samples"] = samples(config, k);
        if (shows_iterations(s)) stage["iterations"] = iterations(config, k);
        if (has_rules(s)) stage["rule"] = rule(config, k);
        j[s.name] = std::move(stage);
    }
    return j;
}

Result<Config> SearchSpace::from_json(const nlohmann::json& j) const {
    if (!j.is_object()) return make_error(ErrorCode::invalid_input, "config: not an object");
    for (const auto& item : j.items()) {
        bool known = false;
        for (const StageAxes& s : stages_) known = known || s.name == item.key();
        if (!known) return make_error(ErrorCode::invalid_input, item.key() + ": unknown stage");
    }
    Config c(stages_.size());
    for (std::size_t k = 0; k < stages_.size(); ++k) {
        const StageAxes& s = stages_[k];
        if (!j.contains(s.name)) return make_error(ErrorCode::invalid_input, s.name + ": missing stage");
        const nlohmann::json& stage = j.at(s.name);
        if (!stage.is_object()) return make_error(ErrorCode::invalid_input, s.name + ": not an object");
        auto model_index = choice_index(stage, s.models, s.name, "model");
        if (!model_index) return model_index.error();
        auto samples_index = choice_index(stage, s.samples, s.name, "samples");
        if (!samples_index) return samples_index.error();
        auto iterations_index = choice_index(stage, s.iterations, s.name, "iterations");
        if (!iterations_index) return iterations_index.error();
        auto rule_index = choice_index(stage, s.rules, s.name, "rule");
        if (!rule_index) return rule_index.error();
        c[k] = StageChoice{*model_index, *samples_index, *iterations_index, *rule_index};
    }
    return c;
}

}  // namespace braid::search
