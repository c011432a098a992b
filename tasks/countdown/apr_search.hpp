#pragma once
// The APR symbolic trace generator (reference/parallel.md §1.5): the same heuristic beam search as
// SoS+, but at level 0, when an expansion yields more than one child and a coin with probability
// `promising_threshold` says the node is promising, the parent spawns one child thread per child
// node instead of diving inline. Children run a plain beam search with their own beam size and
// never spawn (one nesting level, as in the reference runtime).
//
// The result is what a runtime would see, call by call: the parent's first call (prompt and the
// completion that ends with the spawn block), each child's prompt and completion, the parent's
// next call (its prompt is the previous text with the spawn block replaced by the join block),
// and so on until a call ends without a spawn. A solved trace's last parent call ends with the
// goal line and the clean replay from the start node, so it passes the checker.

#include <cstdint>
#include <string>
#include <vector>

#include "tasks/countdown/apr_protocol.hpp"
#include "tasks/countdown/prompt.hpp"

namespace braid::tasks::countdown {

struct AprOptions {
    int min_beam_size = 1;  // the parent's beam is drawn in [min, max]_beam_size
    int max_beam_size = 10;
    int sub_call_beam_size = 15;  // children's beam: drawn in [beam, this] (this if beam >= it)
    double promising_threshold = 0.9;  // chance that an expansion with > 1 child spawns
};

struct AprChild {
    std::string prompt;      // state_prompt() of the child's node
    std::string completion;  // the child's whole search after the prompt
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
    int beam_size = 0;
    int sub_call_beam_size = 0;

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
