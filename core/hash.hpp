#pragma once
// Content hashing for request keys: a 128-bit FNV-1a digest as 32 lowercase hex characters.
// Stable across platforms and runs; not cryptographic (keys are not secrets).

#include <string>
#include <string_view>

namespace braid {

std::string content_hash(std::string_view bytes);

}  // namespace braid
