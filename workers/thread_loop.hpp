#pragma once
// A reasoning thread that spans several model calls: the generation loop with stop triggers
// (reference/parallel.md §7.1 item 5).
//
// The thread's context is text: its prompt, then everything generated since, possibly rewritten.
// Each call continues the whole context (prompt = ThreadText::text, text-level, so it works over
// every backend; the local engine reuses the KV of the repeated prefix). A call ends at an end
// token, a length cap, or one of the style's trigger strings, which are sent as stop strings next to
// the task's own. The style's handler then sees the context (the generated text already appended;
// a trigger string is not) and decides:
//   - proceed: decode again from ThreadText::text, which the handler may have rewritten (APR
//     replaces a spawn block by its join block) or extended (Multiverse injects "<Path>\n1:");
//   - finish: the thread is done;
//   - fail: the thread fails with the reason, recorded on its node; the run goes on.
// The handler may co_await (spawn and join children) before it decides.
//
// Nodes: the thread has one node (created by the caller) and every call gets a child node at
// `path + "/c<k>"` (k from 0) whose life is workers::generate's, with a "depends" edge from the
// call before it. Paths are stable, so a resumed run re-uses them and is served from the store.
//
// Limits checked in one place, before every call: the thread's completion tokens over all calls
// (each call's max_tokens is cut to what is left; a thread with nothing left ends "length"), and
// max_calls (one more fails the thread). Cancelling the awaiting coroutine cancels the call in
// flight and returns ErrorCode::cancelled; the thread node is then "cancelled".

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "workers/generation.hpp"

namespace braid::workers {

struct ThreadText {
    std::string prompt;  // what the thread was started with (never rewritten)
    std::string text;    // the context the next call continues: prompt + generated (+ rewrites)
    // For the next call only: how `text` splits into prefix + parallel paths + suffix (a Multiverse
    // reduce, backends/backend.hpp). A handler sets it before `proceed`; the loop moves it into
    // the next request's CompletionRequest::layout and clears it. It must fit `text` (at least two
    // paths, prefix + paths no longer than the text), else the thread fails with that reason.
    std::optional<backends::ParallelLayout> layout;
};

// Why the last call ended.
struct CallEnd {
    std::string trigger;        // the trigger string that stopped it; "" otherwise
    std::string finish_reason;  // the backend's: "stop" | "length" | ...
    std::string completion;     // what this call generated (already appended to the context)
    std::int64_t thread_completion_tokens = 0;  // the thread's completion tokens over all calls so far
};

struct LoopDecision {
    enum class Kind { proceed, finish, fail };
    Kind kind = Kind::finish;
    std::string reason;  // fail: why (recorded on the thread node)

    static LoopDecision proceed() { return {Kind::proceed, {}}; }
    static LoopDecision finish() { return {Kind::finish, {}}; }
    static LoopDecision fail(std::string why) { return {Kind::fail, std::move(why)}; }
};

using TriggerHandler = std::function<asio::awaitable<LoopDecision>(ThreadText&, const CallEnd&)>;

struct ThreadSpec {
    NodeId node;           // the thread's node, created by the caller
    std::string path;      // its stable path; call k is path + "/c<k>"
    Ledger::AccountId account = 0;
    // The template of every call: prompt is replaced by the context, max_tokens cut to what is
    // left, and `triggers` appended to sampling.stop.
    backends::CompletionRequest request;
    std::vector<std::string> triggers;
    std::int64_t max_thread_tokens = 0;  // completion tokens over all calls (0: no cap beyond each call's)
    int max_calls = 64;
};

// Accounting for metrics (planner/plan_metrics.hpp).
struct ThreadCall {
    NodeId node;
    std::int64_t prompt_tokens = 0;
    std::int64_t new_prompt_tokens = 0;  // prompt tokens not processed by the previous call
    std::int64_t completion_tokens = 0;
};

// How a thread ended: finished (by its handler or the model), length (cut at its token cap or a
// call's max_tokens), failed, cancelled, or budget_exhausted (the ledger refused a call). Its node
// ends finished, finished, failed, cancelled or skipped.
enum class ThreadStatus { finished, length, failed, cancelled, budget_exhausted };
std::string_view to_string(ThreadStatus status);

struct ThreadResult {
    ThreadText context;
    ThreadStatus status = ThreadStatus::finished;
    std::string reason;   // for failed / budget_exhausted / length
    std::vector<ThreadCall> calls;
    Usage usage;          // summed over calls
    std::int64_t completion_tokens() const { return usage.completion_tokens; }
    // Prompt tokens counted once across calls, plus completion tokens.
    std::int64_t unique_tokens() const;
    bool ok() const { return status == ThreadStatus::finished || status == ThreadStatus::length; }
};

// Runs the thread to its end. Failures of a call (backend error, budget refused) end the thread
// with that status; they are not exceptions and not errors of this function. Returns an Error
// only for cancellation (ErrorCode::cancelled).
asio::awaitable<Result<ThreadResult>> run_thread(RunServices& services, ThreadSpec spec,
                                                 TriggerHandler handler);

}  // namespace braid::workers
