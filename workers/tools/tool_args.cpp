#include "workers/tools/tool_args.hpp"

namespace braid::workers::tools {

const nlohmann::json* ToolArgs::find(std::size_t index, std::string_view key) const {
    const nlohmann::json* found = nullptr;
    if (args_.is_array() && index < args_.size()) found = &args_[index];
    if (args_.is_object()) {
        auto it = args_.find(key);
        if (it != args_.end()) found = &*it;
    }
    return found != nullptr && !found->is_null() ? found : nullptr;
}

std::string ToolArgs::missing(std::size_t index, std::string_view key) const {
    if (positional()) return std::string(tool_) + ": missing argument " + std::to_string(index + 1);
    return "missing argument \"" + std::string(key) + "\"";
}

std::string ToolArgs::must_be(std::size_t index, std::string_view key,
                              std::string_view what) const {
    if (positional())
        return std::string(tool_) + ": argument " + std::to_string(index + 1) + " must be " +
               std::string(what);
    return "argument \"" + std::string(key) + "\" must be " + std::string(what);
}

Result<std::string> ToolArgs::string(std::size_t index, std::string_view key) const {
    const nlohmann::json* v = find(index, key);
    if (v == nullptr) return make_error(ErrorCode::invalid_input, missing(index, key));
    if (v->is_string()) return v->get<std::string>();
    if (positional() && v->is_number()) return v->dump();
    return make_error(ErrorCode::invalid_input, must_be(index, key, "a string"));
}

Result<std::string> ToolArgs::optional_string(std::size_t index, std::string_view key) const {
    if (find(index, key) == nullptr) return std::string();
    return string(index, key);
}

Result<long> ToolArgs::line_number(std::size_t index, std::string_view key) const {
    const nlohmann::json* v = find(index, key);
    if (v == nullptr) return 0L;
    if (!v->is_number_integer() || v->get<long>() < 1)
        return make_error(ErrorCode::invalid_input, must_be(index, key, "a line number from 1"));
    return v->get<long>();
}

}  // namespace braid::workers::tools
