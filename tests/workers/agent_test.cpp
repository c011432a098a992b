// workers::agent::run_agent end to end: a scripted model over a real git repository, a real
// workspace and sandbox, and a real SQLite store.
#include <catch2/catch.hpp>

#include <fstream>

#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "store/store.hpp"
#include "tasks/env/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "workers/agent/agent.hpp"

using namespace braid;
namespace agent = braid::workers::agent;
namespace fs = std::filesystem;

namespace {

constexpr const char* kOps = "def add(a, b):\n    return a - b\n\ndef sub(a, b):\n    return a - b\n";

std::string git(const std::vector<std::string>& args, const fs::path& cwd) {
    std::vector<std::string> argv{"git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto ran = tasks::env::run_process(argv, cwd, tasks::env::ProcessOptions{});
    REQUIRE(ran.has_value());
    INFO(ran->err);
    REQUIRE(ran->exit_code == 0);
    return ran->out;
}

// A tool call as the model writes it, ended where the stop string "<tool_response>" cuts it.
std::string call(const std::string& name, const nlohmann::json& arguments) {
    return "<tool_call>\n" + nlohmann::json{{"name", name}, {"arguments", arguments}}.dump() + "\n</tool_call>\n";
}

struct AgentFixture {
    test::TempDir dir;
    fs::path repo = dir.path() / "repo";
    std::string base;
    std::shared_ptr<tasks::swe::WorkspaceRoot> root;
    std::optional<tasks::swe::Workspace> workspace;
    tasks::swe::SweEnv env;
    tasks::env::Sandbox sandbox{tasks::env::probe_sandbox()};
    asio::thread_pool pool{4};
    std::unique_ptr<store::Store> db = store::Store::open(dir / "agent.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;
    std::vector<std::string> prompts;  // of every request, in order

    AgentFixture() {
        fs::create_directories(repo / "calc");
        std::ofstream(repo / "calc" / "ops.py") << kOps;
        git({"init", "-q"}, repo);
        git({"add", "-A"}, repo);
        git({"commit", "-qm", "base"}, repo);
        base = git({"rev-parse", "HEAD"}, repo).substr(0, 40);
        auto made_root = tasks::swe::WorkspaceRoot::create(dir.path());
        REQUIRE(made_root.has_value());
        root = *made_root;
        auto ws = tasks::swe::Workspace::create(root, repo, base, "agent");
        REQUIRE(ws.has_value());
        workspace.emplace(std::move(*ws));
        env.repo_path = repo;
        env.command_timeout_s = 20;
    }
    ~AgentFixture() { pool.join(); }

    // Call k of the model answers replies[k] (the last one again past the end).
    backends::ScriptedBackend::Program script(std::vector<std::string> replies) {
        return [this, replies](const backends::CompletionRequest& r, std::size_t k) {
            prompts.push_back(r.prompt);
            return backends::ScriptedReply{replies[std::min(k, replies.size() - 1)] + "<tool_response>", {}, {}};
        };
    }

    agent::AgentResult run_agent(backends::Backend& backend, agent::AgentLimits limits) {
        workers::RunServices services{rec, backend, ledger, log, 7, ""};
        agent::AgentSpec spec;
        spec.node = rec.create_node(NodeId{0}, "t/calc-1/a0", "thread", "agent");
        spec.path = "t/calc-1/a0";
        spec.account = ledger.root();
        spec.request.sampling.max_tokens = 400;
        spec.limits = limits;
        agent::AgentWorld world;
        world.workspace = &*workspace;
        world.env = &env;
        world.sandbox = &sandbox;
        world.pool = &pool;
        auto result = async::run_sync(io, agent::run_agent(services, spec, world, "add() subtracts."));
        db->flush_sync();
        REQUIRE(result.has_value());
        return std::move(*result);
    }

    store::NodeRecord node(const std::string& path) {
        for (const auto& n : db->nodes(run))
            if (n.path == path) return n;
        FAIL("no node " << path);
        return {};
    }
    nlohmann::json event(const std::string& path, const std::string& type) {
        NodeId id = node(path).id;
        for (const auto& e : db->events(run))
            if (e.node == id && e.type == type) return nlohmann::json::parse(e.payload_json);
        FAIL("no event " << type << " on " << path);
        return {};
    }
    std::vector<std::string> tool_paths() {
        std::vector<std::string> out;
        for (const auto& n : db->nodes(run))
            if (n.kind == "tool") out.push_back(n.path);
        return out;
    }
};

}  // namespace

TEST_CASE("An agent reads, edits, runs a command and submits the workspace's diff", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({
        "Let me look.\n" + call("read_file", {{"path", "calc/ops.py"}, {"start", 1}, {"end", 2}}),
        call("edit", {{"path", "calc/ops.py"}, {"old", "add(a, b):\n    return a - b"}, {"new", "add(a, b):\n    return a + b"}}),
        call("shell", {{"command", "grep -c 'a + b' calc/ops.py"}}),
        call("submit", nlohmann::json::object()),
    }));
    agent::AgentResult r = f.run_agent(backend, agent::AgentLimits{});
    CHECK(r.status == "submitted");
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
        depends = depends || (e.src == call_node && e.dst == tool_node && e.kind == "depends");
    CHECK(depends);
    CHECK(f.node("t/calc-1/a0").status == "finished");
}

TEST_CASE("The calls of one turn run concurrently and answer in call order", "[workers][agent]") {
    AgentFixture f;
    backends::ScriptedBackend backend(f.script({
        call("shell", {{"command", "sleep 0.4; echo first"}}) + call("shell", {{"command", "sleep 0.4; echo second"}}),
        call("submit", nlohmann::json::object()),
    }));
    agent::AgentResult r = f.run_agent(backend, agent::AgentLimits{});
    CHECK(r.status == "submitted");
    CHECK(r.patch.empty());
    const store::NodeRecord a = f.node("t/calc-1/a0/c0/tool0");
    const store::NodeRecord b = f.node("t/calc-1/a0/c0/tool1");
    CHECK(a.status == "finished");
    CHECK(b.status == "finished");
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
    CHECK(r.status == "step_limit");
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
    CHECK(r.status == "format_errors");
    CHECK(r.patch.empty());
    REQUIRE(f.prompts.size() == 6);
    CHECK(f.prompts[1].find("No valid tool call in your turn (no <tool_call> block)") != std::string::npos);
    CHECK(f.prompts[2].find("tool call 0: not valid JSON") != std::string::npos);
    CHECK(f.prompts[3].find("unknown tool 'nonsense_tool'") != std::string::npos);
    CHECK(f.node("t/calc-1/a0/c2/tool0").status == "failed");
    CHECK(f.node("t/calc-1/a0").status == "failed");
    CHECK(r.tool_calls == 1);
}
