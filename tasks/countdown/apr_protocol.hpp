#pragma once
// The APR spawn()/join() text protocol (reference/parallel.md §1.2), shared by the symbolic APR
// generator and the APR planner.
//
// Spawn: a parent call ends with
//   <Calling Sub Searches>
//   <Start Sub Search 0 at level 1> Moving to Node #0,0
//   <Start Sub Search 1 at level 1> Moving to Node #0,1
//   <End Calling Sub Searches>
// Each child gets only state_prompt() of its node, rebuilt from the parent's own lines.
// Join: everything from the parent's last "<Calling Sub Searches>" on is replaced by
//   <Sub Searches>
//   <No Solution in Sub Search 0 at level 1 at Node #0,0>
//   <Goal Reached in Sub Search 1 at level 1 at Node #0,1>
//   Moving to Node #0,1
//   ... the child's clean solution path ...
//   27,27 equal: Goal Reached
//   <End Sub Searches>
// and the parent is decoded again from that prefix. Every line ends with "\n".

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "tasks/countdown/prompt.hpp"

namespace braid::tasks::countdown {

inline constexpr std::string_view kCallingSubSearches = "<Calling Sub Searches>";
inline constexpr std::string_view kEndCallingSubSearches = "<End Calling Sub Searches>";
inline constexpr std::string_view kSubSearches = "<Sub Searches>";
inline constexpr std::string_view kEndSubSearches = "<End Sub Searches>";

// What a child thread hands back to its parent.
struct ChildResult {
    std::string node_id;  // the child's start node, "0,1"
    bool solved = false;
    // When solved: the clean path "Moving to Node #0,1\n...\n27,27 equal: Goal Reached" (no
    // trailing newline). Empty otherwise.
    std::string path;
};

// The spawn block for children starting at `node_ids`.
std::string spawn_block(const std::vector<std::string>& node_ids, int level = 1);
// The join block for `children`, in order.
std::string join_block(const std::vector<ChildResult>& children, int level = 1);

// The level of the last spawn block's first "<Start Sub Search i at level L>" line; 1 when absent.
int spawn_level(std::string_view text);

// True when the last non-blank line of `text` contains "<End Calling Sub Searches>".
bool ends_with_spawn(std::string_view text);

struct SpawnRequest {
    State state;         // the child's start node (id, numbers, operations from the root)
    std::string prompt;  // state_prompt(state)
};

// Reads the last spawn block of `parent_text` (prompt + completion so far) and rebuilds each named
// node from the parent's "Moving to Node #X" + "Current State" pairs and "Generated Node" lines.
// ErrorCode::parse when the block is missing or malformed or names a node never announced.
Result<std::vector<SpawnRequest>> parse_spawn(std::string_view parent_text);

// A child's result from its text (prompt + completion, or the completion): solved when the text
// has at least two "Goal Reached"; the path is the text after the line of the second-to-last one,
// up to and including the line of the last one.
ChildResult child_result(std::string node_id, std::string_view child_text);

// `parent_text` with everything from its last "<Calling Sub Searches>" replaced by
// join_block(children). ErrorCode::parse if there is no spawn block.
Result<std::string> splice_join(std::string_view parent_text,
                                const std::vector<ChildResult>& children, int level = 1);

}  // namespace braid::tasks::countdown
