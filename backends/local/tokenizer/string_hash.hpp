#pragma once
// A transparent string hash so std::unordered_map<std::string, V, StringHash, std::equal_to<>>
// can be searched with a std::string_view without building a std::string.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace braid::backends::local {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
    std::size_t operator()(const std::string& text) const noexcept { return (*this)(std::string_view(text)); }
};

}  // namespace braid::backends::local
