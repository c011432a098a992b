#include "search/pipeline_graph.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace braid::search::detail {

namespace {

constexpr std::size_t absent = static_cast<std::size_t>(-1);

std::string stage_path(std::size_t i) { return "stages[" + std::to_string(i) + "]"; }
std::string input_path(std::size_t i, std::size_t j) {
    return stage_path(i) + ".inputs[" + std::to_string(j) + "]";
}

// inputs[i]: the file indices of stage i's inputs.
using InputIndex = std::vector<std::vector<std::size_t>>;

InputIndex resolve_inputs(const std::vector<StageSpec>& stages) {
    InputIndex out(stages.size());
    for (std::size_t i = 0; i < stages.size(); ++i) {
        for (std::size_t j = 0; j < stages[i].inputs.size(); ++j) {
            const std::string& name = stages[i].inputs[j];
            auto it = std::find_if(stages.begin(), stages.end(), [&](const StageSpec& s) { return s.name == name; });
            if (it == stages.end()) fail(input_path(i, j), "unknown stage '" + name + "'");
            out[i].push_back(static_cast<std::size_t>(it - stages.begin()));
        }
    }
    return out;
}

enum class Mark { unseen, on_path, done };

// Depth-first along inputs; `path` holds the stages from the root to the current one.
void find_cycle(std::size_t at, const std::vector<StageSpec>& stages, const InputIndex& inputs,
                std::vector<Mark>& marks, std::vector<std::size_t>& path) {
    marks[at] = Mark::on_path;
    path.push_back(at);
    for (std::size_t in : inputs[at]) {
        if (marks[in] == Mark::on_path) {
            // The path walks against the data flow (consumer to input); name the cycle the way
            // data flows through it.
            auto start = std::find(path.begin(), path.end(), in);
            std::vector<std::size_t> cycle(start, path.end());
            std::reverse(cycle.begin(), cycle.end());
            std::string text = stages[in].name;
            for (std::size_t s : cycle) text += " -> " + stages[s].name;
            fail("stages", "cycle " + text);
        }
        if (marks[in] == Mark::unseen) find_cycle(in, stages, inputs, marks, path);
    }
    path.pop_back();
    marks[at] = Mark::done;
}

void check_verify_inputs(std::size_t i, const std::vector<StageSpec>& stages, const InputIndex& inputs) {
    if (inputs[i].size() != 1)
        fail(stage_path(i) + ".inputs", "a verify stage needs exactly one input, a generate stage (has " +
                                            std::to_string(inputs[i].size()) + ")");
    const StageSpec& in = stages[inputs[i][0]];
    if (in.kind != StageKind::generate)
        fail(input_path(i, 0), "'" + in.name + "' is a " + std::string(to_string(in.kind)) +
                                   " stage; a verify stage judges a generate stage");
}

void check_select_inputs(std::size_t i, const std::vector<StageSpec>& stages, const InputIndex& inputs) {
    std::size_t generate = absent;
    for (std::size_t j = 0; j < inputs[i].size(); ++j) {
        const StageSpec& in = stages[inputs[i][j]];
        if (in.kind != StageKind::generate) continue;
        if (generate != absent)
            fail(input_path(i, j), "a select stage reads one generate stage; '" + stages[generate].name +
                                       "' is already its input");
        generate = inputs[i][j];
    }
    if (generate == absent) fail(stage_path(i) + ".inputs", "a select stage needs one generate stage among its inputs");
    for (std::size_t j = 0; j < inputs[i].size(); ++j) {
        const StageSpec& in = stages[inputs[i][j]];
        if (in.kind == StageKind::select)
            fail(input_path(i, j), "'" + in.name + "' is a select stage; a select stage reads a generate stage "
                                   "and verify stages of it");
        if (in.kind == StageKind::verify && inputs[inputs[i][j]].front() != generate)
            fail(input_path(i, j), "verify stage '" + in.name + "' judges '" + in.inputs.front() +
                                       "', not the selected stage '" + stages[generate].name + "'");
    }
}

}  // namespace

std::vector<StageSpec> order_stages(std::vector<StageSpec> stages) {
    const InputIndex inputs = resolve_inputs(stages);
    std::vector<Mark> marks(stages.size(), Mark::unseen);
    std::vector<std::size_t> path;
    for (std::size_t i = 0; i < stages.size(); ++i)
        if (marks[i] == Mark::unseen) find_cycle(i, stages, inputs, marks, path);

    // Verify stages first: a select stage's check reads its verify inputs' (checked) input.
    for (std::size_t i = 0; i < stages.size(); ++i)
        if (stages[i].kind == StageKind::verify) check_verify_inputs(i, stages, inputs);
    for (std::size_t i = 0; i < stages.size(); ++i)
        if (stages[i].kind == StageKind::select) check_select_inputs(i, stages, inputs);

    // Repeatedly place the first stage in file order whose inputs are all placed: a file order
    // that is already valid comes out unchanged.
    std::vector<bool> placed(stages.size(), false);
    std::vector<StageSpec> ordered;
    while (ordered.size() < stages.size()) {
        const std::size_t before = ordered.size();
        for (std::size_t i = 0; i < stages.size(); ++i) {
            if (placed[i]) continue;
            bool ready = std::all_of(inputs[i].begin(), inputs[i].end(), [&](std::size_t in) { return placed[in]; });
            if (!ready) continue;
            placed[i] = true;
            ordered.push_back(std::move(stages[i]));
            break;
        }
        BRAID_ASSERT(ordered.size() > before, "an acyclic stage graph always has a ready stage");
    }
    return ordered;
}

}  // namespace braid::search::detail
