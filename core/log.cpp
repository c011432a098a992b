#include "core/log.hpp"

#include <cstdarg>

namespace braid {

namespace {
const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warn: return "warn";
        case LogLevel::error: return "error";
        case LogLevel::off: return "off";
    }
    return "?";
}
}  // namespace

Logger Logger::for_run(RunId run) const {
    Logger copy = *this;
    copy.prefix_ = "braid run " + std::to_string(run.value);
    return copy;
}

void Logger::write(LogLevel level, const char* fmt, va_list args) const {
    if (level < min_level_ || sink_ == nullptr) return;
    // One fprintf per line so concurrent writers do not interleave within a line.
    char body[2048];
    std::vsnprintf(body, sizeof body, fmt, args);
    std::fprintf(sink_, "[%s] %s: %s\n", prefix_.c_str(), level_name(level), body);
}

#define BRAID_LOG_METHOD(name, level)                 \
    void Logger::name(const char* fmt, ...) const {   \
        va_list args;                                 \
        va_start(args, fmt);                          \
        write(level, fmt, args);                      \
        va_end(args);                                 \
    }
BRAID_LOG_METHOD(debug, LogLevel::debug)
BRAID_LOG_METHOD(info, LogLevel::info)
BRAID_LOG_METHOD(warn, LogLevel::warn)
BRAID_LOG_METHOD(error, LogLevel::error)
#undef BRAID_LOG_METHOD

}  // namespace braid
