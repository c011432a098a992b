#pragma once
// Content hashing for request keys: a 128-bit FNV-1a digest as 32 lowercase hex characters.
// Stable across platforms and runs; not cryptographic (keys are not secrets).

#include <cstdint>
#include <string>
#include <string_view>

namespace braid {

std::string content_hash(std::string_view bytes);

// A seed derived from `seed` and a stable path ("t/cd-1/s0", "s0.1"): DESIGN §3.4's rule, shared
// by the planners (a node's seed from the run seed and its path) and the symbolic models that
// must draw the same seeds offline.
std::uint64_t derive_seed(std::uint64_t seed, std::string_view path);

}  // namespace braid
