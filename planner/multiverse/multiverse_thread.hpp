#pragma once
// One Multiverse thread and the paths it forks, recursively (reference/parallel.md §2).
//
// A thread is a workers::run_thread loop with the triggers `</Goal>` and `</Path>`:
//   `</Goal>`  map: read the outline ids of the open goal, append "</Goal>\n" and fork one path
//              thread per outline, concurrently (async::when_all). Path `id`'s prompt is the
//              parent's context + "<Path>\n{id}:"; its node is `{thread}/b{block}/p{id}`.
//   reduce:    once every path has ended, the context becomes prefix + each kept path's text from
//              its "<Path>" through "</Path>\n" + "<Conclusion>\n", and the next call carries the
//              ParallelLayout (prefix and path char counts; with two or more kept paths) so the
//              local engine concatenates the paths' KV; other backends read the flat text. A join
//              node `{thread}/b{block}/join` gets a "join" edge from every path.
//   `</Path>`  in a path thread with no tag of its own open: the path ends. Closing a path the
//              thread wrote inline (after a refused fork): "</Path>\n" is appended and it goes on.
//
// Guards (each recorded on the thread's node as an event or as its failure reason; none ends the
// run, and a failed thread is only a failed path to its parent):
//   - a block deeper than max_depth, or a fork within kForkMarginTokens of the thread's token
//     cap: no fork ("fork_refused" event); the thread continues sequentially, writing its paths
//     inline;
//   - more outlines than max_children: the first max_children fork, the rest are dropped
//     ("outlines_dropped" event); the same when the task's thread count would pass max_threads
//     (no slot left at all: "fork_refused");
//   - more than max_spawns blocks in one thread, unbalanced tags, `</Goal>` with no outline,
//     duplicate outline ids, `</Path>` outside a path, a path ending without `</Path>`: the
//     thread fails with the reason.
// Reduce with failed paths: the failed paths are left out (the join node's payload says which
// and why) and the thread continues on the others; if every path failed, the thread fails.
//
// Runs on the run's orchestration executor; TaskTree is owned by the caller and outlives the call.

#include <cstdint>
#include <string>

#include <asio/awaitable.hpp>

#include "planner/plan_metrics.hpp"
#include "store/vocabulary.hpp"
#include "workers/thread_loop.hpp"

namespace braid::planner::multiverse {

inline constexpr std::int64_t kForkMarginTokens =
    30;  // no fork this close to the thread's token cap

struct TreeLimits {
    int max_depth = 2;      // deepest parallel block (the main thread's blocks are depth 1)
    int max_children = 16;  // paths per block
    int max_threads = 128;  // threads per task, main threads included
    int max_spawns = 8;     // parallel blocks per thread
    std::int64_t thread_tokens = 0;  // completion tokens per thread over all its calls (> 0)
};

// State shared by every thread of one task. Used from one executor only.
struct TaskTree {
    workers::RunServices& services;
    TreeLimits limits;
    // Template of every call: model, max_tokens, temperature, the task's stop strings. The seed is
    // set per thread from its path.
    backends::CompletionRequest request;
    Ledger::AccountId account = 0;
    int threads_started = 0;  // counted against limits.max_threads
};

struct ThreadArgs {
    NodeId parent;
    std::string path;  // the thread node's stable path
    store::NodeKind kind = store::NodeKind::thread;  // thread (main) or path
    std::string label;
    std::string prompt;
    int block_depth = 0;              // parallel blocks enclosing the thread (main: 0)
    std::size_t inherited_chars = 0;  // prompt chars repeated from the parent's context (main: 0)
};

struct ThreadOutcome {
    NodeId node;
    workers::ThreadResult result;  // status cancelled when the thread was cancelled
    // This thread and everything it forked: tokens counted once (a path's copy of its parent's
    // context and the paths' text in a reduce prompt are not counted again), critical path = own
    // tokens + the longest path of each of its blocks, threads, depth (1 + block depth), calls.
    PlanMetrics metrics;
    // What the thread itself wrote after its prompt (for a path: after "<Path>\n{id}:").
    std::string own_text() const {
        return result.context.text.substr(result.context.prompt.size());
    }
};

asio::awaitable<ThreadOutcome> run_multiverse_thread(TaskTree& tree, ThreadArgs args);

}  // namespace braid::planner::multiverse
