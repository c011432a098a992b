#pragma once
// The prompt of a refinement round (planner/search, strategy "refine"): the task's prompt with
// the previous attempt, the checker's feedback on it, and the task's prompt again, so that a
// completion model writes a fresh attempt in the task's own format:
//
//   <task prompt><previous attempt>
//   Feedback: <the checker's reason>
//   Try again.
//   <task prompt>
//
// The task's prompt comes first, so a stand-in that answers the first task state it reads (the
// symbolic Countdown backend) starts a fresh attempt.

#include <string>
#include <string_view>

namespace braid::planner::search {

std::string revision_prompt(std::string_view task_prompt, std::string_view previous_attempt,
                            std::string_view feedback);

}  // namespace braid::planner::search
