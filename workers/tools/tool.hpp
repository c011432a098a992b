#pragma once
// A tool a model calls: a step of an LLMCompiler plan (reference/parallel.md §4) or an action of
// the SWE agent (reference/swe_verify_budget.md §4.2). One interface serves both callers.
//
// A Tool has a name, a description (how a prompt lists it) and run(args): `args` are the call's
// arguments as JSON, an array (a plan line's positional literals) or an object (the agent's named
// arguments); ToolArgs (tool_args.hpp) reads either. run() is a coroutine awaited on the
// orchestration executor; blocking work goes to `pool` (BlockingTool) and the result comes back
// on the caller's executor. An expected failure (bad arguments, a missing file, a command that
// exits non-zero or times out, failing tests) is an Error value whose message is the observation
// the caller shows the model. Cancelling the awaiting coroutine stops the call: its result is then
// ErrorCode::cancelled.

#include <optional>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace braid::workers::tools {

struct ToolOutput {
    std::string observation;  // what the caller shows the model
    // Set by a tool whose call ends the caller's thread with a value (submit: the candidate patch).
    std::optional<std::string> final_value;
};

class Tool {
public:
    virtual ~Tool() = default;
    virtual std::string_view name() const = 0;
    // How a prompt lists it, e.g. "calculator(expression: str) -> number. ...".
    virtual std::string_view description() const = 0;
    // True when calls of this tool share state with each other (a git index, a patch file): a
    // caller runs such calls one at a time, never beside another exclusive call.
    virtual bool exclusive() const { return false; }
    // `pool` runs blocking work; it outlives the call.
    virtual asio::awaitable<Result<ToolOutput>> run(nlohmann::json args,
                                                    asio::thread_pool& pool) const = 0;
};

// A tool whose work blocks (file I/O, child processes). run() runs call() on the pool and watches
// for cancellation meanwhile: when it arrives, call()'s `cancel_fd` becomes readable (a command
// run with it is killed) and the result is ErrorCode::cancelled whatever call() returned. An
// exception out of call() is a bug in the tool: it becomes an internal error naming the tool, so
// the caller's run goes on.
class BlockingTool : public Tool {
public:
    asio::awaitable<Result<ToolOutput>> run(nlohmann::json args,
                                            asio::thread_pool& pool) const final;

protected:
    // Runs on a pool thread. `cancel_fd`: pass it to Sandbox::run / run_process; -1 when the call
    // cannot be cancelled (no pipe).
    virtual Result<ToolOutput> call(const nlohmann::json& args, int cancel_fd) const = 0;
};

}  // namespace braid::workers::tools
