#include "orchestrator/backend_factory.hpp"

#include "backends/scripted/scripted_backend.hpp"
#include "tasks/countdown/symbolic_backend.hpp"

namespace braid::orchestrator {

std::vector<std::string> backend_names() { return {"symbolic", "scripted", "replay"}; }

Result<std::unique_ptr<backends::Backend>> make_backend(const RunConfig& config) {
    backends::StreamPacing pacing;
    pacing.delay_per_chunk = std::chrono::microseconds(static_cast<std::int64_t>(config.latency_ms * 1000));
    if (config.backend == "symbolic") {
        tasks::countdown::SymbolicOptions options;
        options.pacing = pacing;
        return std::unique_ptr<backends::Backend>(std::make_unique<tasks::countdown::SymbolicBackend>(options));
    }
    if (config.backend == "scripted") {
        if (config.script.is_null())
            return make_error(ErrorCode::invalid_input, "--backend scripted needs --script FILE (a JSON script)");
        auto scripted = backends::ScriptedBackend::from_json(config.script);
        if (!scripted) return std::move(scripted).error();
        return std::unique_ptr<backends::Backend>(std::move(*scripted));
    }
    if (config.backend == "replay") return std::unique_ptr<backends::Backend>();
    std::string known;
    for (const std::string& n : backend_names()) known += (known.empty() ? "" : ", ") + n;
    return make_error(ErrorCode::invalid_input,
                      "unknown backend '" + config.backend + "' (known: " + known + ")");
}

}  // namespace braid::orchestrator
