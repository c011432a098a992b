#pragma once
// The space a budget search explores: per stage, a model, a sample count, an iteration cap and a
// selection rule, each an index into that stage's choice lists. A Config is one point; the grid is
// every point (mixed-radix numbering, stage 0 most significant).

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "search/pipeline_spec.hpp"

namespace braid::search {

struct StageAxes {
    std::string name;
    std::vector<std::string> models;   // at least one entry ("" for a stage without a model)
    std::vector<int> samples;          // at least one entry
    std::vector<int> iterations;       // at least one entry
    std::vector<std::string> rules;    // at least one entry ("" for a stage without a rule)
    std::size_t size() const { return models.size() * samples.size() * iterations.size() * rules.size(); }
};

struct StageChoice {
    std::size_t model = 0;       // indices into the stage's StageAxes lists
    std::size_t samples = 0;
    std::size_t iterations = 0;
    std::size_t rule = 0;
    friend bool operator==(const StageChoice&, const StageChoice&) = default;
};

using Config = std::vector<StageChoice>;  // one per stage, in the space's stage order

class SearchSpace {
public:
    SearchSpace() = default;
    explicit SearchSpace(std::vector<StageAxes> stages);
    // One StageAxes per spec stage (select stages: rules; generate/verify: models, samples, iterations).
    static SearchSpace from_pipeline(const search::PipelineSpec& spec);

    const std::vector<StageAxes>& stages() const { return stages_; }
    std::size_t size() const;  // grid points (saturates at SIZE_MAX)
    Config at(std::size_t index) const;
    std::size_t index_of(const Config& config) const;
    bool valid(const Config& config) const;  // right length, every index in range

    int samples(const Config& c, std::size_t stage) const { return stages_[stage].samples[c[stage].samples]; }
    int iterations(const Config& c, std::size_t stage) const { return stages_[stage].iterations[c[stage].iterations]; }
    const std::string& model(const Config& c, std::size_t stage) const { return stages_[stage].models[c[stage].model]; }
    const std::string& rule(const Config& c, std::size_t stage) const { return stages_[stage].rules[c[stage].rule]; }

    // "generate=large×4 verify=judge×2 select=majority" (iterations shown when a stage has several).
    std::string describe(const Config& config) const;
    // {"generate": {"model": "large", "samples": 4, "iterations": 1}, "select": {"rule": "majority"}}
    nlohmann::json to_json(const Config& config) const;
    // The inverse; errors (invalid_input) name the stage and field (unknown stage, value not a choice).
    Result<Config> from_json(const nlohmann::json& j) const;

private:
    std::vector<StageAxes> stages_;
};

}  // namespace braid::search
