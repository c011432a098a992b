#pragma once
// JSON text of a value, for the store, the terminal and files. Never throws: strings that are not
// UTF-8 (model output, command output, file names, server bytes) are written with U+FFFD in place
// of their ill-formed bytes (see core/utf8.hpp). nlohmann's own dump() throws type_error 316
// there, so braid writes JSON only through this.

#include <string>

#include <nlohmann/json.hpp>

namespace braid {

// `indent` < 0: compact, one line; otherwise pretty-printed with that many spaces.
template <class Json>
std::string json_text(const Json& value, int indent = -1) {
    return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace braid
