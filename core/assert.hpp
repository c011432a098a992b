#pragma once
// BRAID_ASSERT(cond, why): a bug check that stays on in release builds. On failure it prints the
// condition, the reason and the source location to stderr, then aborts.

namespace braid::detail {
[[noreturn]] void assert_fail(const char* cond, const char* why, const char* file, int line);
}

#define BRAID_ASSERT(cond, why)                                          \
    do {                                                                 \
        if (!(cond)) ::braid::detail::assert_fail(#cond, why, __FILE__, __LINE__); \
    } while (false)
