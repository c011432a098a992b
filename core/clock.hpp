#pragma once
// Wall-clock time for records: milliseconds since the Unix epoch.

#include <chrono>
#include <cstdint>

namespace braid {

inline std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace braid
