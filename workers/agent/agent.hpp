#pragma once
// An agent thread for SWE tasks (reference/swe_verify_budget.md §4.2): the generation loop with
// tools acting on one workspace, until the model submits or a limit stops it.
//
// Protocol (the Hermes / Qwen2.5 tool-call format, so instruction-tuned models write it natively):
// a turn holds any text and then one or more calls, each
//     <tool_call>
//     {"name": "edit", "arguments": {"path": "calc/ops.py", "old": "a - b", "new": "a + b"}}
//     </tool_call>
// The calls of one turn run concurrently (they must not depend on each other), except those of
// exclusive tools (apply_patch and submit use git in the workspace), which run one at a time
// after the others; calls after a submit are not run. The results are appended in call order,
// each as
//     <tool_response>
//     {"name": "edit", "ok": true, "content": "..."}
//     </tool_response>
// and the model continues. "<tool_response>" is also a stop string, so a model that starts to
// invent a result is cut there. Native OpenAI tool calls (Completion::tool_calls) are not used:
// the loop is text-level so it runs over every backend, the local engine included.
//
// Tools: the registry's (workers/tools/swe_tools.hpp: shell, read_file, search, edit,
// apply_patch, run_tests, submit on the task's workspace), called with arguments by name. A call
// that fails is answered with "ok": false and the error's message; a tool that returns a
// final_value (submit: the workspace's diff) ends the thread with it as the candidate patch.
//
// Limits, all checked in one place (workers::run_thread plus the ledger): max_steps model calls,
// max_tokens completion tokens, the account's budget (USD, tokens); and max_format_errors turns in
// a row without a parsable call. Every tool call is a node "<call path>/tool<j>" (kind "tool") with
// a "depends" edge from its call, its arguments in the "running" event and its observation in the
// "finished" / "failed" event, so a run's trajectory is in the store.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "workers/thread_loop.hpp"
#include "workers/tools/tool_registry.hpp"

namespace braid::workers::agent {

struct AgentToolCall {
    std::string name;
    nlohmann::json arguments = nlohmann::json::object();
};

struct ParsedTurn {
    std::vector<AgentToolCall> calls;
    std::vector<std::string> errors;  // blocks that were not valid calls, with why
};

// Every <tool_call> block of `text`, in order. An unterminated block at the end counts as one
// (a stop string may have cut the closing tag).
ParsedTurn parse_tool_calls(std::string_view text);

struct AgentLimits {
    int max_steps = 30;                     // model calls
    std::int64_t max_tokens = 0;            // completion tokens over the thread (0: no cap)
    int max_format_errors = 3;              // consecutive turns without a valid call
    std::size_t max_observation_chars = 8192;  // head and tail of longer observations kept
};

struct AgentSpec {
    NodeId node;  // the thread's node, created by the caller
    std::string path;
    Ledger::AccountId account = 0;
    backends::CompletionRequest request;  // template: sampling, model; the prompt is built here
    AgentLimits limits;
    bool write_reproduction_test = false;  // the prompt also asks for a test that fails before the fix
};

// How an agent ended: it submitted a patch, hit its step limit or token cap (length), gave up
// after too many turns without a valid call (format_errors), failed, or was refused by the
// budget (budget_exhausted).
enum class AgentStatus { submitted, step_limit, length, format_errors, failed, budget_exhausted };
std::string_view to_string(AgentStatus status);

struct AgentResult {
    AgentStatus status = AgentStatus::failed;
    std::string reason;
    std::string patch;  // the workspace's diff at submit; "" otherwise
    int tool_calls = 0;
    ThreadResult thread;
};

// The agent's prompt: instructions, the tool list, then the problem statement.
std::string agent_prompt(std::string_view problem_statement, bool write_reproduction_test);

// Runs the agent to its end with `tools` (borrowed; it outlives the call). Errors only for
// cancellation (ErrorCode::cancelled).
asio::awaitable<Result<AgentResult>> run_agent(RunServices& services, AgentSpec spec,
                                               const tools::ToolRegistry& tools,
                                               std::string problem_statement);

}  // namespace braid::workers::agent
