#pragma once
// Read-only file tools confined to a workspace folder:
//   read_file(path)         the file's text (the first kMaxReadBytes; a note says when cut)
//   search_files(pattern)   lines containing `pattern` (plain substring, case-sensitive) in the
//                           workspace's regular files, as "relative/path:line: text", at most
//                           kMaxSearchMatches; files over kMaxSearchFileBytes are skipped.
// Paths are resolved (symlinks followed, `..` folded) and must stay inside the canonical
// workspace; anything else is an invalid_input error. File I/O runs on the registry's pool.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "workers/tools/tool.hpp"

namespace braid::workers::tools {

inline constexpr std::size_t kMaxReadBytes = 64 * 1024;
inline constexpr std::size_t kMaxSearchMatches = 100;
inline constexpr std::uintmax_t kMaxSearchFileBytes = 1024 * 1024;
inline constexpr std::size_t kMaxSearchFiles = 10'000;

// `relative` resolved inside `workspace` (canonical), or invalid_input when it escapes it.
Result<std::filesystem::path> resolve_in_workspace(const std::filesystem::path& workspace,
                                                   const std::string& relative);

// `workspace` must be a canonical existing folder.
std::unique_ptr<Tool> make_read_file_tool(std::filesystem::path workspace);
std::unique_ptr<Tool> make_search_files_tool(std::filesystem::path workspace);

}  // namespace braid::workers::tools
