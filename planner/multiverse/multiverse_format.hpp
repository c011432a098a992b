#pragma once
// The Multiverse text format (reference/parallel.md §2.1) as the runtime reads it: pure functions
// over text, no I/O. Malformed model output is normal: every check returns the reason instead of
// throwing.
//
//   <Parallel>
//   <Goal>
//   <Outline>
//   1: ...
//   </Outline>
//   ...
//   </Goal>                  <- trigger: the runtime forks one path per outline
//   <Path>
//   1: ...                   <- a path thread; may nest its own <Parallel> (ids 1.1, 1.2, ...)
//   </Path>                  <- trigger: the path ends
//   ...
//   <Conclusion>             <- injected by the runtime after the reduce
//   ...
//   </Conclusion>
//   </Parallel>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace braid::planner::multiverse {

inline constexpr std::string_view kParallelOpen = "<Parallel>";
inline constexpr std::string_view kParallelClose = "</Parallel>";
inline constexpr std::string_view kGoalOpen = "<Goal>";
inline constexpr std::string_view kGoalClose = "</Goal>";
inline constexpr std::string_view kOutlineOpen = "<Outline>";
inline constexpr std::string_view kPathOpen = "<Path>";
inline constexpr std::string_view kPathClose = "</Path>";
inline constexpr std::string_view kConclusionOpen = "<Conclusion>";

// What the runtime appends: after the goal (the `</Goal>` stop string is stripped from the text),
// to start path `id`, to close a path, and to start the reduce's conclusion.
inline constexpr std::string_view kGoalEnd = "</Goal>\n";
std::string path_start(std::string_view id);  // "<Path>\n{id}:"
inline constexpr std::string_view kPathEnd = "</Path>\n";
inline constexpr std::string_view kConclusionStart = "<Conclusion>\n";

// Counts non-overlapping occurrences of `tag` in `text`.
std::size_t count_tag(std::string_view text, std::string_view tag);

// The outline ids of the goal that a `</Goal>` stop just closed. `own_text` is what the thread
// itself wrote so far (without its prompt), ending where the stop string was cut. The open goal is
// the text after the last `<Goal>`; its ids are those of `<Outline>\s*([0-9]+(?:\.[0-9]+)*)\s*:`,
// in order. Errors (ErrorCode::parse) name the fault: no open `<Goal>` or no open `<Parallel>`
// (unbalanced tags), no outline, or a duplicate id.
Result<std::vector<std::string>> goal_outline_ids(std::string_view own_text);

// The tags `own_text` leaves open, outermost first ("Parallel", "Goal", "Outline", "Path",
// "Conclusion"), reading opening and closing tags in document order. ErrorCode::parse when a
// closing tag does not match the innermost open one (unbalanced tags), naming both.
Result<std::vector<std::string>> open_tags(std::string_view own_text);

}  // namespace braid::planner::multiverse
