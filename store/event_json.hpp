#pragma once
// JSON payloads of the events the store layer itself writes (RunRecorder). Other layers build
// their own payloads; the store keeps payload text as given.

#include <string>

#include "store/records.hpp"

namespace braid::store {

// {"parent": 0, "path": "...", "kind": "...", "label": "..."}
std::string node_created_payload(const NodeRecord& node);

}  // namespace braid::store
