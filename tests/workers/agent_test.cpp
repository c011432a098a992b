// workers::agent::run_agent end to end: a scripted model over a real git repository, a real
// workspace and sandbox, and a real SQLite store.
#include "tests/workers/agent_fixture.hpp"

using namespace braid;
using namespace braid::agent_test;

TEST_CASE("An agent reads, edits, runs a command and submits the workspace's diff", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({
        "Let me look.\n" + call("read_file", {{"path", "calc/ops.py"}, {"start", 1}, {"end", 2}}),
        call("edit", {{"path", "calc/ops.py"}, {"old", "add(a, b):\n    return a - b"}, {"new", "add(a, b):\n    return a + b"}}),
        call("shell", {{"command", "grep -c 'a + b' calc/ops.py"}}),
        call("submit", nlohmann::json::object()),
    }));
    agent::AgentResult r = f.run_agent(backend, agent::AgentLimits{});
    CHECK(r.status == agent::AgentStatus::submitted);
    CHECK(r.tool_calls == 4);
    // The expected patch: the same edit in the source repository, diffed the same way.
    std::ofstream(f.repo / "calc" / "ops.py") << "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n";
    git({"add", "-A"}, f.repo);
    CHECK(r.patch == git({"diff", "--cached", "--binary", f.base}, f.repo));
    CHECK(r.patch.find("+    return a + b") != std::string::npos);

    // Each observation reached the next call's prompt, as a response block after the call.
    REQUIRE(f.prompts.size() == 4);
    CHECK(f.prompts[1].find("</tool_call>\n<tool_response>\n{\"name\":\"read_file\",\"ok\":true,\"content\":\"1\\tdef add(a, b):\\n2\\t    return a - b\\n\"}") !=
          std::string::npos);
    CHECK(f.prompts[2].find("edited calc/ops.py at line 1") != std::string::npos);
    CHECK(f.prompts[3].find("exit code: 0\\n1\\n") != std::string::npos);

    // The trajectory is in the store: a tool node per call, depending on its call, with its
    // arguments when it started and its observation when it ended.
    CHECK(f.tool_paths() == std::vector<std::string>{"t/calc-1/a0/c0/tool0", "t/calc-1/a0/c1/tool0",
                                                     "t/calc-1/a0/c2/tool0", "t/calc-1/a0/c3/tool0"});
    CHECK(f.node("t/calc-1/a0/c1/tool0").label.find("edit(") == 0);
    nlohmann::json running = f.event("t/calc-1/a0/c2/tool0", "node_running");
    CHECK(running["name"] == "shell");
    CHECK(running["arguments"]["command"] == "grep -c 'a + b' calc/ops.py");
    nlohmann::json finished = f.event("t/calc-1/a0/c2/tool0", "node_finished");
    CHECK(finished["ok"] == true);
    CHECK(finished["observation"] == "exit code: 0\n1\n");
    CHECK(finished["ms"].get<double>() >= 0);
    NodeId call_node = f.node("t/calc-1/a0/c2").id;
    NodeId tool_node = f.node("t/calc-1/a0/c2/tool0").id;
    bool depends = false;
    for (const auto& e : f.db->edges(f.run))
        depends = depends ||
                  (e.src == call_node && e.dst == tool_node && e.kind == store::EdgeKind::depends);
    CHECK(depends);
    CHECK(f.node("t/calc-1/a0").status == store::NodeStatus::finished);
}

TEST_CASE("The calls of one turn run concurrently and answer in call order", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({
        call("shell", {{"command", "sleep 0.4; echo first"}}) + call("shell", {{"command", "sleep 0.4; echo second"}}),
        call("submit", nlohmann::json::object()),
    }));
    agent::AgentResult r = f.run_agent(backend, agent::AgentLimits{});
    CHECK(r.status == agent::AgentStatus::submitted);
    CHECK(r.patch.empty());
    const store::NodeRecord a = f.node("t/calc-1/a0/c0/tool0");
    const store::NodeRecord b = f.node("t/calc-1/a0/c0/tool1");
    CHECK(a.status == store::NodeStatus::finished);
    CHECK(b.status == store::NodeStatus::finished);
    CHECK(a.started_ms < b.finished_ms);  // the two intervals overlap
    CHECK(b.started_ms < a.finished_ms);
    REQUIRE(f.prompts.size() == 2);
    std::size_t first = f.prompts[1].find("first\\n");
    std::size_t second = f.prompts[1].find("second\\n");
    CHECK(first != std::string::npos);
    CHECK(second != std::string::npos);
    CHECK(first < second);
}

TEST_CASE("An agent that never submits stops at its step limit", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({call("shell", {{"command", "ls"}})}));
    agent::AgentLimits limits;
    limits.max_steps = 4;
    agent::AgentResult r = f.run_agent(backend, limits);
    CHECK(r.status == agent::AgentStatus::step_limit);
    CHECK(r.reason == "step limit 4 reached");
    CHECK(r.patch.empty());
    CHECK(r.tool_calls == 4);
    CHECK(r.thread.calls.size() == 4);
    CHECK(f.tool_paths().size() == 4);
    CHECK(f.prompts.size() == 4);
}

TEST_CASE("Turns without a valid call are answered with the format, and three in a row end the agent", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({
        "I think the bug is in add.",
        "<tool_call>{\"name\": \"shell\", \"arguments\": {\"command\": </tool_call>",  // bad JSON: error, then a good call
        call("nonsense_tool", nlohmann::json::object()),  // a valid call of an unknown tool resets the count
        "still thinking", "still thinking", "still thinking"}));
    agent::AgentResult r = f.run_agent(backend, agent::AgentLimits{});
    CHECK(r.status == agent::AgentStatus::format_errors);
    CHECK(r.patch.empty());
    REQUIRE(f.prompts.size() == 6);
    CHECK(f.prompts[1].find("No valid tool call in your turn (no <tool_call> block)") != std::string::npos);
    CHECK(f.prompts[2].find("tool call 0: not valid JSON") != std::string::npos);
    CHECK(f.prompts[3].find("unknown tool 'nonsense_tool'") != std::string::npos);
    CHECK(f.node("t/calc-1/a0/c2/tool0").status == store::NodeStatus::failed);
    CHECK(f.node("t/calc-1/a0").status == store::NodeStatus::failed);
    CHECK(r.tool_calls == 1);
}
