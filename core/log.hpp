#pragma once
// One logging facility, printf-style with compile-time format checking. A Logger carries the run id
// it prefixes to every line; copies are cheap. Machine-readable events go to the store, not here.

#include <cstdio>
#include <string>

#include "core/ids.hpp"

namespace braid {

enum class LogLevel { debug, info, warn, error, off };

class Logger {
public:
    explicit Logger(LogLevel min_level = LogLevel::warn, std::FILE* sink = stderr)
        : sink_(sink), min_level_(min_level) {}

    Logger for_run(RunId run) const;
    LogLevel level() const { return min_level_; }

    void debug(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
    void info(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
    void warn(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
    void error(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

private:
    void write(LogLevel level, const char* fmt, __builtin_va_list args) const;

    std::FILE* sink_;  // not owned
    LogLevel min_level_;
    std::string prefix_ = "braid";
};

}  // namespace braid
