#pragma once
// The file tools, confined to a workspace folder (every path goes through resolve_in_workspace):
//   read_file(path[, start, end])   a file's text (see ReadStyle)
//   search(pattern[, path])         lines matching `pattern` in the regular files under path
//                                   (default the whole workspace) as "relative/path:line: text",
//                                   files in path order; symlinks are not followed, .git and
//                                   binary files (a NUL in the first 8 KiB) are skipped
//   edit(path, old, new)            replaces the one occurrence of `old` (an error when it occurs
//                                   0 or 2+ times); old "" creates the file (an error if it exists)
// Arguments by position or by name (ToolArgs). Where LLMCompiler and the SWE agent differ (the
// search tool's name, literal or regex patterns, how read_file shows a file, the caps, absolute
// paths, the descriptions their prompts list), FileToolOptions says which: kPlanFileTools and
// kAgentFileTools. File I/O runs on the registry's pool.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "workers/tools/tool.hpp"
#include "workers/tools/workspace_path.hpp"

namespace braid::workers::tools {

enum class ReadStyle {
    text_head,       // the file's text, cut at max_read_bytes with a note; start/end are ignored
    numbered_lines,  // lines start..end (1-based, inclusive) as "n\tline"; files past
                     // max_read_bytes are refused
};
// regex: ECMAScript, matched on a line's first 2000 characters.
enum class PatternKind { literal, regex };

struct FileToolOptions {
    AbsolutePaths absolute_paths = AbsolutePaths::refused;
    ReadStyle read_style = ReadStyle::numbered_lines;
    std::size_t max_read_bytes = 0;
    std::string_view search_name;  // what the search tool is called
    PatternKind search_pattern = PatternKind::regex;
    std::size_t max_search_matches = 0;
    std::uintmax_t max_search_file_bytes = 0;  // larger files are skipped
    std::size_t max_search_files = 0;          // files visited at most
    std::string_view read_description;
    std::string_view search_description;
    std::string_view edit_description;
};

// edit refuses files larger than this.
inline constexpr std::uintmax_t kMaxEditFileBytes = 4 * 1024 * 1024;

// LLMCompiler's read_file(path) and search_files(pattern): plain text, capped for a plan's
// observations.
inline constexpr FileToolOptions kPlanFileTools{
    .absolute_paths = AbsolutePaths::inside_workspace,
    .read_style = ReadStyle::text_head,
    .max_read_bytes = 64 * 1024,
    .search_name = "search_files",
    .search_pattern = PatternKind::literal,
    .max_search_matches = 100,
    .max_search_file_bytes = 1024 * 1024,
    .max_search_files = 10'000,
    .read_description =
        "read_file(path: str) -> str. Returns the text of a file in the workspace (path relative "
        "to it).",
    .search_description =
        "search_files(pattern: str) -> str. Lists 'path:line: text' for every line of the "
        "workspace's files containing the pattern (plain text, case-sensitive).",
    .edit_description =
        "edit(path: str, old: str, new: str) -> str. Replaces the one occurrence of old by new in "
        "a file of the workspace; with old \"\" it creates a new file.",
};

// The SWE agent's read_file {path, start?, end?}, search {pattern, path?} and edit.
inline constexpr FileToolOptions kAgentFileTools{
    .absolute_paths = AbsolutePaths::refused,
    .read_style = ReadStyle::numbered_lines,
    .max_read_bytes = kMaxEditFileBytes,
    .search_name = "search",
    .search_pattern = PatternKind::regex,
    .max_search_matches = 200,
    .max_search_file_bytes = kMaxEditFileBytes,
    .max_search_files = 20'000,
    .read_description =
        "read_file {\"path\": str, \"start\"?: int, \"end\"?: int}: lines start..end (1-based, "
        "inclusive) of a file, numbered.",
    .search_description =
        "search {\"pattern\": str, \"path\"?: str}: lines matching a regular expression in the "
        "files under path (default: the whole workspace), as path:line: text.",
    .edit_description =
        "edit {\"path\": str, \"old\": str, \"new\": str}: replaces the one occurrence of old by "
        "new; old must match exactly once, whitespace included. With old \"\" it creates a new "
        "file.",
};

// `workspace`: an existing folder.
std::unique_ptr<Tool> make_read_file_tool(std::filesystem::path workspace, FileToolOptions options);
std::unique_ptr<Tool> make_search_tool(std::filesystem::path workspace, FileToolOptions options);
std::unique_ptr<Tool> make_edit_tool(std::filesystem::path workspace, FileToolOptions options);

}  // namespace braid::workers::tools
