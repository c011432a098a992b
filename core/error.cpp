#include "core/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace braid {

std::string_view to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_input: return "invalid input";
        case ErrorCode::not_found: return "not found";
        case ErrorCode::io: return "i/o error";
        case ErrorCode::backend: return "backend error";
        case ErrorCode::timeout: return "timeout";
        case ErrorCode::cancelled: return "cancelled";
        case ErrorCode::budget_exhausted: return "budget exhausted";
        case ErrorCode::parse: return "parse error";
        case ErrorCode::internal: return "internal error";
    }
    return "unknown error";
}

ErrorCode error_code_for_errno(int err) {
    switch (err) {
        case ENOENT: return ErrorCode::not_found;
        case EACCES:
        case EPERM:
        case EISDIR:
        case ENOTDIR:
        case ELOOP:
        case ENAMETOOLONG:
        case EROFS: return ErrorCode::invalid_input;
        default: return ErrorCode::io;
    }
}

Error Error::with_context(std::string_view context) && {
    message = std::string(context) + ": " + message;
    return std::move(*this);
}

std::string Error::describe() const { return std::string(to_string(code)) + ": " + message; }

namespace detail {
void assert_fail(const char* cond, const char* why, const char* file, int line) {
    std::fprintf(stderr, "braid: assertion failed: %s (%s) at %s:%d\n", cond, why, file, line);
    std::abort();
}
}  // namespace detail

}  // namespace braid
