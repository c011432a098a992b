#include "orchestrator/predictions.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "tasks/swe/swe_task.hpp"

namespace braid::orchestrator {

Result<std::size_t> write_predictions(store::Store& store, RunId run, const std::string& model_name,
                                      const std::string& path) {
    std::map<std::int64_t, std::string> output_of;  // candidate node → its output
    for (store::CandidateRecord& c : store.candidates(run)) output_of[c.node.value] = std::move(c.output);

    std::string text;
    std::size_t rows = 0;
    for (const store::TaskRecord& t : store.tasks(run)) {
        if (t.kind != tasks::swe::kKind) continue;
        tasks::swe::Prediction p;
        p.instance_id = t.task_id;
        p.model_name_or_path = model_name;
        if (t.selected_node.value != 0) {
            auto it = output_of.find(t.selected_node.value);
            if (it != output_of.end()) p.model_patch = it->second;
        }
        text += tasks::swe::to_prediction_line(p) + "\n";
        ++rows;
    }
    const std::string temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) return make_error(ErrorCode::invalid_input, "cannot write predictions to " + path);
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) return make_error(ErrorCode::io, "cannot write predictions to " + path + ": " + ec.message());
    return rows;
}

}  // namespace braid::orchestrator
