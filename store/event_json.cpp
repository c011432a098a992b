#include "store/event_json.hpp"

#include <nlohmann/json.hpp>

namespace braid::store {

std::string node_created_payload(const NodeRecord& node) {
    return nlohmann::json{{"parent", node.parent.value},
                          {"path", node.path},
                          {"kind", std::string(to_string(node.kind))},
                          {"label", node.label}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // labels may be any bytes
}

}  // namespace braid::store
