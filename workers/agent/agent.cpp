// run_agent (agent.hpp): workers::run_thread with a handler that runs each turn's tool calls.
// The limits are run_thread's (model calls, completion tokens) and the ledger's; the handler adds
// only the count of turns in a row without a valid call.
#include "workers/agent/agent.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "workers/agent/agent_protocol.hpp"

namespace braid::workers::agent {

namespace {

constexpr std::string_view kFormatHelp =
    "Write each tool call as\n<tool_call>\n{\"name\": \"<tool>\", \"arguments\": {...}}\n</tool_call>\n"
    "Every turn needs at least one call; call submit when you are done.";

// What the handler learns over the turns; read after the thread to name the agent's status.
struct AgentState {
    int turn = 0;           // the call the handler sees next
    int format_errors = 0;  // consecutive turns without a valid call
    int tool_calls = 0;
    bool proceeded = false;  // the last turn asked for another call
    bool format_stop = false;
    bool submitted = false;
    bool cancelled = false;  // cancellation arrived while tools ran
    std::string patch;
};

// One call as the model sees it.
struct CallOutcome {
    bool ok = false;
    std::string content;
    std::optional<std::string> final_value;  // from a tool that ends the thread (submit)
};

CallOutcome unknown_tool(const tools::ToolRegistry& tools, const std::string& name) {
    std::string names;
    for (const tools::Tool* t : tools.tools()) names += (names.empty() ? "" : ", ") + std::string(t->name());
    return CallOutcome{false, "unknown tool '" + name + "'; the tools are " + names, {}};
}

// One tool call with its node's life: "running" with the arguments, the work, then "finished" /
// "failed" with the observation. Starts and ends on the orchestration executor. Sets *cancelled
// when cancellation arrived while it ran.
asio::awaitable<CallOutcome> run_recorded(store::RunRecorder* rec, const tools::ToolRegistry* tools,
                                          AgentToolCall call, NodeId node, std::size_t max_chars,
                                          bool* cancelled) {
    nlohmann::json running{{"name", call.name}, {"arguments", call.arguments}};
    rec->set_status(node, store::NodeStatus::running, json_text(running));
    auto started = std::chrono::steady_clock::now();
    CallOutcome outcome;
    if (const tools::Tool* tool = tools->find(call.name); tool == nullptr) {
        outcome = unknown_tool(*tools, call.name);
    } else {
        auto op = tool->run(std::move(call.arguments), tools->pool());  // named: the GCC 12 trap
        Result<tools::ToolOutput> ran = co_await std::move(op);
        if (ran) {
            outcome = CallOutcome{true, std::move(ran->observation), std::move(ran->final_value)};
        } else {
            if (ran.error().code == ErrorCode::cancelled) *cancelled = true;
            outcome = CallOutcome{false, std::move(ran).error().message, {}};
        }
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    nlohmann::json ended{{"ok", outcome.ok}, {"observation", clip_middle(outcome.content, max_chars)}, {"ms", ms}};
    rec->set_status(node, outcome.ok ? store::NodeStatus::finished : store::NodeStatus::failed,
                    ended.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    co_return outcome;
}

struct Turn {
    RunServices& services;
    const AgentSpec& spec;
    const tools::ToolRegistry& tools;
    AgentState& state;
};

// Calls of exclusive tools (tool.hpp: apply_patch and submit use git in the workspace) run one at
// a time, in call order, after the concurrent ones; so submit sees every edit of its turn.
bool exclusive(const tools::ToolRegistry& tools, const AgentToolCall& call) {
    const tools::Tool* tool = tools.find(call.name);
    return tool != nullptr && tool->exclusive();
}

// Runs the turn's calls (calls after a submit are not run) and appends the responses in call
// order.
asio::awaitable<void> run_calls(Turn turn, std::vector<AgentToolCall> calls, std::string call_path,
                                std::string& text) {
    store::RunRecorder& rec = turn.services.recorder;
    auto submit = std::find_if(calls.begin(), calls.end(), [](const AgentToolCall& c) { return c.name == "submit"; });
    if (submit != calls.end()) calls.erase(submit + 1, calls.end());
    std::optional<NodeId> found = rec.find(call_path);
    BRAID_ASSERT(found.has_value(), "run_calls: the thread loop created the call's node");
    NodeId call_node = *found;
    std::vector<NodeId> nodes;
    for (std::size_t j = 0; j < calls.size(); ++j) {
        nodes.push_back(rec.create_node(call_node, call_path + "/tool" + std::to_string(j),
                                        store::NodeKind::tool, call_label(calls[j])));
        rec.add_edge(call_node, nodes.back(), store::EdgeKind::depends);
    }
    const std::size_t max_chars = turn.spec.limits.max_observation_chars;
    std::vector<std::size_t> together, alone;
    for (std::size_t j = 0; j < calls.size(); ++j) (exclusive(turn.tools, calls[j]) ? alone : together).push_back(j);
    std::vector<asio::awaitable<CallOutcome>> batch;
    for (std::size_t j : together) batch.push_back(run_recorded(&rec, &turn.tools, calls[j], nodes[j], max_chars, &turn.state.cancelled));
    auto all = async::when_all(std::move(batch));
    std::vector<CallOutcome> ran = co_await std::move(all);
    std::vector<CallOutcome> outcomes(calls.size());
    for (std::size_t i = 0; i < together.size(); ++i) outcomes[together[i]] = std::move(ran[i]);
    for (std::size_t j : alone) {
        if (turn.state.cancelled) {
            rec.set_status(nodes[j], store::NodeStatus::cancelled);
            continue;
        }
        auto one = run_recorded(&rec, &turn.tools, calls[j], nodes[j], max_chars, &turn.state.cancelled);
        outcomes[j] = co_await std::move(one);
    }
    if (turn.state.cancelled) co_return;
    for (std::size_t j = 0; j < outcomes.size(); ++j) {
        text += response_block(calls[j].name, outcomes[j].ok, outcomes[j].content, max_chars);
        if (outcomes[j].final_value) {
            turn.state.submitted = true;
            turn.state.patch = std::move(*outcomes[j].final_value);
        }
    }
    turn.state.tool_calls += static_cast<int>(outcomes.size());
}

asio::awaitable<LoopDecision> handle_turn(Turn turn, ThreadText& t, const CallEnd& end) {
    AgentState& state = turn.state;
    std::string call_path = turn.spec.path + "/c" + std::to_string(state.turn++);
    state.proceeded = false;
    if (end.finish_reason == "length") co_return LoopDecision::finish();  // the thread ends "length"

    ParsedTurn parsed = parse_tool_calls(end.completion);
    if (!t.text.empty() && t.text.back() != '\n') t.text += '\n';
    const std::size_t max_chars = turn.spec.limits.max_observation_chars;
    if (parsed.calls.empty()) {
        std::string why = parsed.errors.empty() ? "no <tool_call> block" : parsed.errors.front();
        for (std::size_t i = 1; i < parsed.errors.size(); ++i) why += "; " + parsed.errors[i];
        t.text += response_block("error", false, "No valid tool call in your turn (" + why + "). " + std::string(kFormatHelp), max_chars);
        if (++state.format_errors >= turn.spec.limits.max_format_errors) {
            state.format_stop = true;
            co_return LoopDecision::fail(std::to_string(state.format_errors) + " turns in a row without a valid tool call");
        }
        state.proceeded = true;
        co_return LoopDecision::proceed();
    }
    state.format_errors = 0;
    auto calls = run_calls(turn, std::move(parsed.calls), call_path, t.text);
    co_await std::move(calls);
    // async::when_all consumes the cancellation it forwards to the tools, so the thread loop would
    // not see it: the turn ends the thread here and run_agent reports it.
    if (state.cancelled) co_return LoopDecision::fail("cancelled");
    for (const std::string& error : parsed.errors) t.text += response_block("error", false, error + ". " + std::string(kFormatHelp), max_chars);
    if (state.submitted) co_return LoopDecision::finish();
    state.proceeded = true;
    co_return LoopDecision::proceed();
}

// The agent's status from how the thread ended and what the handler saw.
void name_status(AgentResult& out, const AgentState& state, const AgentSpec& spec) {
    const ThreadResult& thread = out.thread;
    out.status = AgentStatus::failed;
    out.reason = thread.reason;
    if (state.submitted) {
        out.status = AgentStatus::submitted;
        out.patch = state.patch;
    } else if (state.format_stop) {
        out.status = AgentStatus::format_errors;
    } else if (thread.status == ThreadStatus::length) {
        out.status = AgentStatus::length;
    } else if (thread.status == ThreadStatus::budget_exhausted) {
        out.status = AgentStatus::budget_exhausted;
    } else if (thread.status == ThreadStatus::failed && state.proceeded &&
               static_cast<int>(thread.calls.size()) >= spec.limits.max_steps) {
        out.status = AgentStatus::step_limit;
        out.reason = "step limit " + std::to_string(spec.limits.max_steps) + " reached";
    }
}

}  // namespace

std::string_view to_string(AgentStatus status) {
    switch (status) {
        case AgentStatus::submitted:
            return "submitted";
        case AgentStatus::step_limit:
            return "step_limit";
        case AgentStatus::length:
            return "length";
        case AgentStatus::format_errors:
            return "format_errors";
        case AgentStatus::failed:
            return "failed";
        case AgentStatus::budget_exhausted:
            return "budget_exhausted";
    }
    return "";
}

asio::awaitable<Result<AgentResult>> run_agent(RunServices& services, AgentSpec spec,
                                               const tools::ToolRegistry& tools,
                                               std::string problem_statement) {
    ThreadSpec thread;
    thread.node = spec.node;
    thread.path = spec.path;
    thread.account = spec.account;
    thread.request = spec.request;
    thread.request.prompt = agent_prompt(problem_statement, spec.write_reproduction_test);
    thread.triggers = {std::string(kResponseOpen)};
    thread.max_thread_tokens = spec.limits.max_tokens;
    thread.max_calls = spec.limits.max_steps;

    AgentState state;
    Turn turn{services, spec, tools, state};
    TriggerHandler handler = [turn](ThreadText& t, const CallEnd& end) { return handle_turn(turn, t, end); };
    auto op = run_thread(services, std::move(thread), std::move(handler));  // named: the GCC 12 trap
    Result<ThreadResult> ran = co_await std::move(op);
    if (!ran) co_return std::move(ran).error();
    if (state.cancelled) co_return make_error(ErrorCode::cancelled, "the agent was cancelled while its tools ran");

    AgentResult out;
    out.thread = std::move(*ran);
    out.tool_calls = state.tool_calls;
    name_status(out, state, spec);
    co_return out;
}

}  // namespace braid::workers::agent
