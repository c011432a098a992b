#pragma once
// Runs one tool call on the pool so that cancelling the awaiting coroutine stops it: the call
// watches a pipe (its sandboxed command is killed when the pipe becomes readable), and a watcher
// on the orchestration executor writes to it when cancellation arrives. Returns after the call
// has ended either way, on the caller's executor.

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>

#include "workers/agent/agent_tools.hpp"

namespace braid::workers::agent {

struct CancellableOutcome {
    ToolOutcome outcome;
    bool cancelled = false;  // cancellation arrived while the call ran
};

asio::awaitable<CancellableOutcome> run_tool_cancellable(AgentWorld world, AgentToolCall call);

}  // namespace braid::workers::agent
