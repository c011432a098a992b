#include "search/planned_cost.hpp"

#include "search/cost_model.hpp"

namespace braid::search {

using search::StageKind;

std::vector<Amount> planned_stage_costs(const search::PipelineSpec& spec, const SearchSpace& space,
                                        const Config& config) {
    std::vector<Amount> out(spec.stages.size());
    for (std::size_t s = 0; s < spec.stages.size(); ++s) {
        const search::StageSpec& stage = spec.stages[s];
        if (stage.kind == StageKind::select) continue;
        const search::ModelSpec* model = spec.model(space.model(config, s));
        if (!model) continue;
        double calls = static_cast<double>(space.samples(config, s));
        double sequential = static_cast<double>(space.iterations(config, s));
        if (stage.kind == StageKind::generate) calls *= sequential;
        if (stage.kind == StageKind::verify && !stage.inputs.empty()) {
            const std::size_t g = spec.stage_index(stage.inputs.front());
            if (g < spec.stages.size()) calls *= static_cast<double>(space.samples(config, g));
            sequential = 1;
        }
        if (calls <= 0) continue;
        CallGroup group;
        group.samples = calls;
        group.prompt_tokens = stage.tokens.in;
        group.completion_tokens = stage.tokens.out;
        group.latency_s = model->latency_ms / 1000.0 * sequential;
        out[s] = group_cost(*model, spec.intensity, group);
    }
    return out;
}

Amount planned_task_cost(const search::PipelineSpec& spec, const SearchSpace& space, const Config& config) {
    Amount total;
    for (const Amount& a : planned_stage_costs(spec, space, config)) total += a;
    return total;
}

}  // namespace braid::search
