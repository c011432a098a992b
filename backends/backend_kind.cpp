#include "backends/backend_kind.hpp"

#include <string>

namespace braid::backends {

std::string_view to_string(BackendKind kind) {
    switch (kind) {
        case BackendKind::symbolic:
            return "symbolic";
        case BackendKind::symbolic_apr:
            return "symbolic-apr";
        case BackendKind::scripted:
            return "scripted";
        case BackendKind::openai:
            return "openai";
        case BackendKind::local:
            return "local";
        case BackendKind::replay:
            return "replay";
    }
    return "";
}

Result<BackendKind> parse_backend_kind(std::string_view name) {
    std::string known;
    for (BackendKind kind : kBackendKinds) {
        if (to_string(kind) == name) return kind;
        known += (known.empty() ? "" : ", ") + std::string(to_string(kind));
    }
    return make_error(ErrorCode::invalid_input,
                      "unknown backend '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace braid::backends
