#pragma once
// How many bytes a folder holds, for the sandbox's disk quota (SandboxPolicy::disk_quota_bytes).

#include <cstdint>
#include <filesystem>
#include <vector>

namespace braid::tasks::env {

// The sum of the sizes (st_size) of the regular files under `folders`, symlinks not followed, each
// hard link counted: what `git add -A` and a patch would read, an upper bound of the disk used.
// Entries that vanish or cannot be read during the walk are skipped. Never fails.
std::uint64_t folder_bytes(const std::vector<std::filesystem::path>& folders);

}  // namespace braid::tasks::env
