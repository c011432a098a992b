#pragma once
// LLMCompiler's Task Fetching Unit (reference/parallel.md §4.2), event-driven: a submitted step
// starts the moment its last dependency has ended (at once when it has none) — no polling
// interval. Before a step runs, `$N` / `${N}` in its string arguments (recursively in lists) are
// replaced by step N's observation. Independent steps run concurrently.
//
// Every tool call is a node (kind "tool", below the node given to submit) with a "depends" edge
// from each dependency's node, a `tool_call` event (tool, args after substitution), a
// `tool_result` event (observation, ok, start/end ms) and status finished or failed. A tool's
// failure is not the plan's: its error text becomes the observation ("Error: ..."), as upstream.
//
// Runs on one executor (the orchestration executor); submit() is safe to call from a streaming
// callback. Not copyable. The registry and recorder must outlive every submitted step: await
// wait_idle() before dropping them. A step's coroutine keeps the shared state alive itself
// (shared_ptr), so destroying the unit early never leaves a dangling pointer.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "planner/llmcompiler/plan_parser.hpp"
#include "store/run_recorder.hpp"
#include "workers/tools/tool_registry.hpp"

namespace braid::planner::llmcompiler {

struct StepRun {
    PlanStep step;
    NodeId node;
    nlohmann::json args;      // after substitution
    std::string observation;  // the tool's output, or "Error: ..." when it failed
    bool ok = false;
    bool done = false;
    std::chrono::steady_clock::time_point started, ended;
};

class TaskFetchingUnit {
public:
    TaskFetchingUnit(asio::any_io_executor executor, workers::tools::ToolRegistry& tools,
                     store::RunRecorder& recorder);

    // Registers `step` (not a join; its deps were checked by the parser, so each was submitted
    // before) and starts it if its dependencies have all ended. Its node is `path` below `parent`;
    // `planner` (the call that wrote it) gets a "depends" edge to it.
    void submit(PlanStep step, NodeId parent, NodeId planner, std::string path);

    // Completes once every submitted step has ended. If the awaiting coroutine is cancelled, the
    // running tool calls are cancelled (their steps end with an error observation), waiting steps
    // are dropped, and it still returns only when every started call has ended. Never throws for
    // cancellation (it turns off throw_if_cancelled for the awaiting coroutine's thread).
    asio::awaitable<void> wait_idle();

    const std::map<int, StepRun>& runs() const;
    // Observations of the ended steps, by id.
    std::map<int, std::string> observations() const;
    // Longest chain of dependent tool calls, in ms of their run time.
    double critical_path_ms() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

// `args` with $N / ${N} replaced in every string (recursively in arrays and objects).
nlohmann::json substitute_args(const nlohmann::json& args,
                               const std::map<int, std::string>& observations);

}  // namespace braid::planner::llmcompiler
