// workers::agent::run_agent: end-of-text turns, the token cap, and the workspace tools
// apply_patch and run_tests (the task's own test command) under a scripted model.
#include "tests/workers/agent_fixture.hpp"

using namespace braid;
using namespace braid::agent_test;

namespace {

constexpr const char* kTest =
    "import unittest\nfrom calc.ops import add\n\n"
    "class T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n";

constexpr const char* kFix =
    "--- a/calc/ops.py\n+++ b/calc/ops.py\n@@ -1,3 +1,3 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n \n";

}  // namespace

TEST_CASE("A turn that ends by end of text runs its calls; one without calls is a format error", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({call("shell", {{"command", "echo hi"}}), "I am done."}, true));
    agent::AgentLimits limits;
    limits.max_format_errors = 2;
    agent::AgentResult r = f.run_agent(backend, limits);
    CHECK(r.status == agent::AgentStatus::format_errors);
    CHECK(r.tool_calls == 1);
    REQUIRE(f.prompts.size() == 3);
    CHECK(f.prompts[1].find("exit code: 0\\nhi\\n") != std::string::npos);
    CHECK(f.prompts[2].find("No valid tool call in your turn") != std::string::npos);
}

TEST_CASE("The thread's token cap ends the agent with status length", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({"I will read every file of the repository one by one and then " +
                                                call("shell", {{"command", "ls"}})}));
    agent::AgentLimits limits;
    limits.max_tokens = 5;
    agent::AgentResult r = f.run_agent(backend, limits);
    CHECK(r.status == agent::AgentStatus::length);
    CHECK(r.tool_calls == 0);
    CHECK(r.thread.completion_tokens() <= 5);
    CHECK(f.prompts.size() == 1);
}

TEST_CASE("An agent writes a test, runs it, applies patches one at a time and submits", "[workers][agent]") {
    AgentFixture f;
    f.env.test_cmd = "python3 -m unittest -v";
    f.env.log_parser = "unittest";
    backends::ScriptedBackend backend(f.script({
        call("edit", {{"path", "test_ops.py"}, {"old", ""}, {"new", kTest}}),
        call("run_tests", nlohmann::json::object()),
        call("apply_patch", {{"patch", "--- a/calc/ops.py\n+++ b/calc/ops.py\n@@ -1 +1 @@\n-nothing like this\n+x\n"}}) +
            call("apply_patch", {{"patch", kFix}}),
        call("run_tests", {{"tests", {"test_ops"}}}),
        call("submit", nlohmann::json::object()),
    }));
    agent::AgentResult r = f.run_agent(backend, agent::AgentLimits{});
    REQUIRE(f.prompts.size() == 5);
    INFO(f.prompts[4]);
    CHECK(f.prompts[2].find("FAILED: 1") != std::string::npos);
    CHECK(f.prompts[2].find("FAILED test_ops.T.test_add") != std::string::npos);
    CHECK(f.prompts[3].find("the patch does not apply") != std::string::npos);
    CHECK(f.prompts[3].find("applied (git apply)") != std::string::npos);
    CHECK(f.prompts[4].find("PASSED: 1") != std::string::npos);
    CHECK(r.status == agent::AgentStatus::submitted);
    CHECK(r.patch.find("+    return a + b") != std::string::npos);
    CHECK(r.patch.find("b/test_ops.py") != std::string::npos);
    CHECK(f.node("t/calc-1/a0/c2/tool0").status == store::NodeStatus::failed);
    CHECK(f.node("t/calc-1/a0/c2/tool1").status == store::NodeStatus::finished);
}

TEST_CASE("Cancelling the agent kills the command its shell call runs", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({call("shell", {{"command", "sleep 30"}})}));
    auto started = std::chrono::steady_clock::now();
    auto op = async::with_timeout(f.start_agent(backend, agent::AgentLimits{}), std::chrono::milliseconds(300));
    auto result = async::run_sync(f.io, std::move(op));
    f.db->flush_sync();
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::timeout);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));  // not the 30 s sleep
    CHECK(f.node("t/calc-1/a0/c0/tool0").status == store::NodeStatus::failed);
    CHECK(f.prompts.size() == 1);  // no call after the cancelled turn
}

TEST_CASE("A budget that refuses the model call ends the agent as budget_exhausted", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({call("shell", {{"command", "ls"}})}));
    f.account = f.ledger.open(f.ledger.root(), "tight", parse_budget("tokens=10").value());
    agent::AgentResult r = f.run_agent(backend, agent::AgentLimits{});
    CHECK(r.status == agent::AgentStatus::budget_exhausted);
    CHECK(r.tool_calls == 0);
    CHECK(f.prompts.empty());
}
