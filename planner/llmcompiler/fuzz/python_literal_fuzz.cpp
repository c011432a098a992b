// libFuzzer entry point for parse_python_args (python_literal.hpp): a plan step's argument text
// (model output) read as a tuple of Python literals.
//
// The input is the argument text. Checks: no crash, no exception, no sanitizer report; a parse
// gives a JSON array and surrounding whitespace does not change it; the values written back as
// Python literals (escaped strings, floats with 17 digits) parse to the same values; from
// well-formed UTF-8 text the strings are well-formed UTF-8 unless a \uD800..\uDFFF escape asked
// for a lone surrogate (Python keeps those too).
//
// Build (clang): cmake --build build --target fuzz_python_literal; run:
// scripts/fuzz 60 python_literal

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "planner/llmcompiler/python_literal.hpp"

using braid::planner::llmcompiler::parse_python_args;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void write_literal(std::string& out, const nlohmann::json& value) {
    if (value.is_array()) {
        out += '[';
        for (const auto& item : value) {
            write_literal(out, item);
            out += ", ";
        }
        out += ']';
    } else if (value.is_string()) {
        out += '"';
        for (unsigned char c : value.get_ref<const std::string&>()) {
            if (c == '"' || c == '\\')
                out += '\\', out += static_cast<char>(c);
            else if (c == '\n')
                out += "\\n";
            else
                out += static_cast<char>(c);  // raw bytes, \r, \t and NUL stay as they are
        }
        out += '"';
    } else if (value.is_boolean()) {
        out += value.get<bool>() ? "True" : "False";
    } else if (value.is_null()) {
        out += "None";
    } else if (value.is_number_float()) {
        char buffer[40];
        std::snprintf(buffer, sizeof buffer, "%.17g", value.get<double>());
        std::string number = buffer;
        if (number.find_first_of(".e") == std::string::npos) number += ".0";
        out += number;
    } else {
        out += value.dump();  // an integer
    }
}

bool has_surrogate_escape(std::string_view text) {
    for (std::size_t at = text.find("\\u"); at != std::string_view::npos;
         at = text.find("\\u", at + 1))
        if (at + 3 < text.size() && (text[at + 2] == 'd' || text[at + 2] == 'D') &&
            std::string_view("89abcdefABCDEF").find(text[at + 3]) != std::string_view::npos)
            return true;
    return false;
}

bool strings_valid_utf8(const nlohmann::json& value) {
    if (value.is_string()) return braid::is_valid_utf8(value.get_ref<const std::string&>());
    if (value.is_array())
        for (const auto& item : value)
            if (!strings_valid_utf8(item)) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto args = parse_python_args(text);
    if (!args) return 0;
    check(args->is_array());

    auto spaced = parse_python_args(" \t" + std::string(text) + " \n");
    check(spaced.has_value() && *spaced == *args);

    std::string written;
    for (const auto& value : *args) {
        write_literal(written, value);
        written += ", ";
    }
    auto again = parse_python_args(written);
    check(again.has_value() && *again == *args);

    if (braid::is_valid_utf8(text) && !has_surrogate_escape(text)) check(strings_valid_utf8(*args));
    return 0;
}
