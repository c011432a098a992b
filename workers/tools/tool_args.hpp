#pragma once
// A call's arguments as a tool reads them: by position in a JSON array (an LLMCompiler plan line,
// `read_file("a.py")`) or by name in a JSON object (an agent call, {"path": "a.py"}). A tool names
// each argument by both, so one tool serves both callers. Anything else reads as no arguments.
//
// The two shapes keep their callers' conventions: positional strings may be written as numbers
// (printed, "12") and errors name the tool and the position ("read_file: missing argument 1");
// named strings must be JSON strings and errors name the key (`missing argument "path"`). All
// errors are invalid_input.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace braid::workers::tools {

class ToolArgs {
public:
    // Both borrowed; they outlive the reader.
    ToolArgs(std::string_view tool, const nlohmann::json& args) : tool_(tool), args_(args) {}

    bool positional() const { return args_.is_array(); }
    std::size_t size() const { return args_.is_array() || args_.is_object() ? args_.size() : 0; }
    // The argument at `index` or named `key`; nullptr when absent or null.
    const nlohmann::json* find(std::size_t index, std::string_view key) const;
    // A required string argument.
    Result<std::string> string(std::size_t index, std::string_view key) const;
    // An optional string argument: "" when absent.
    Result<std::string> optional_string(std::size_t index, std::string_view key) const;
    // An optional line number (an integer from 1): 0 when absent.
    Result<long> line_number(std::size_t index, std::string_view key) const;

private:
    std::string missing(std::size_t index, std::string_view key) const;
    std::string must_be(std::size_t index, std::string_view key, std::string_view what) const;

    std::string_view tool_;
    const nlohmann::json& args_;
};

}  // namespace braid::workers::tools
