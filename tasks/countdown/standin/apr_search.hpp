#pragma once
// APR traces offline: the symbolic APR model (apr_model.hpp) driven exactly as the APR planner
// drives a model online — a parent call, its spawn's children run to their ends (each child a
// thread of its own, which may spawn in turn when spawn_depth allows), the join spliced into the
// parent's text (apr_protocol.hpp), the parent's next call, and so on until a call ends without a
// spawn. Child seeds follow apr_child_seed, as the planner's do, so the planner over
// `--backend symbolic-apr` reproduces these traces.
//
// The result is what a runtime sees, call by call. A solved trace's last parent call ends with
// the goal line and the clean replay from the start node, so it passes the checker.

#include <cstdint>
#include <string>
#include <vector>

#include "tasks/countdown/standin/apr_model.hpp"
#include "tasks/countdown/apr_protocol.hpp"
#include "tasks/countdown/prompt.hpp"

namespace braid::tasks::countdown {

struct AprChild {
    std::string prompt;      // state_prompt() of the child's node
    std::string completion;  // the child's whole text after the prompt (its own joins included)
    ChildResult result;      // what joins back into the parent
};

struct AprCall {
    std::string prompt;
    std::string completion;
};

struct AprTrace {
    // parent_calls[k + 1].prompt == splice_join(parent_calls[k].prompt +
    // parent_calls[k].completion, results of spawns[k]). parent_calls.size() == spawns.size() + 1.
    std::vector<AprCall> parent_calls;
    std::vector<std::vector<AprChild>> spawns;
    bool solved = false;
    std::vector<std::string> solution;  // operations from the start state, when solved
    int threads = 1;                    // the parent and every child, all levels
    int max_depth = 0;                  // deepest child level reached (0: no spawn)

    // The parent's final text: the last call's prompt + completion.
    std::string final_text() const;
};

AprTrace apr_search(const State& start, std::uint64_t seed, const AprOptions& options = {});

// One model call as a runtime would make it, in execution order.
struct RuntimeCall {
    std::string label;  // "parent 0", "child 0.1 #0,1", "parent 1", ...
    std::string prompt;
    std::string completion;
};

// Parent call 0, the children of spawn 0, parent call 1, the children of spawn 1, ...
std::vector<RuntimeCall> render_runtime_calls(const AprTrace& trace);

}  // namespace braid::tasks::countdown
