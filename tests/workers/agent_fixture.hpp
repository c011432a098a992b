#pragma once
// Shared by the run_agent tests: a scripted model over a real git repository (one file,
// calc/ops.py, committed), a real workspace and sandbox, and a real SQLite store.
#include <catch2/catch.hpp>

#include <fstream>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "store/store.hpp"
#include "tasks/env/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "workers/agent/agent.hpp"
#include "workers/tools/swe_tools.hpp"

namespace braid::agent_test {

namespace agent = braid::workers::agent;
namespace fs = std::filesystem;

inline constexpr const char* kOps = "def add(a, b):\n    return a - b\n\ndef sub(a, b):\n    return a - b\n";

inline std::string git(const std::vector<std::string>& args, const fs::path& cwd) {
    std::vector<std::string> argv{"git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto ran = tasks::env::run_process(argv, cwd, tasks::env::ProcessOptions{});
    REQUIRE(ran.has_value());
    INFO(ran->err);
    REQUIRE(ran->exit_code == 0);
    return ran->out;
}

// A tool call as the model writes it, ended where the stop string "<tool_response>" cuts it.
inline std::string call(const std::string& name, const nlohmann::json& arguments) {
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
    std::unique_ptr<store::Store> db = store::Store::open(dir / "agent.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    Ledger::AccountId account = ledger.root();  // the agent's budget account
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

    // Call k of the model answers replies[k] (the last one again past the end), followed by
    // "<tool_response>" as a model that starts to invent a result (the stop string cuts it) unless
    // `end_of_text`.
    backends::ScriptedBackend::Program script(std::vector<std::string> replies, bool end_of_text = false) {
        return [this, replies, end_of_text](const backends::CompletionRequest& r, std::size_t k) {
            prompts.push_back(r.prompt);
            std::string text = replies[std::min(k, replies.size() - 1)] + (end_of_text ? "" : "<tool_response>");
            return backends::ScriptedReply{text, {}, {}};
        };
    }

    asio::awaitable<Result<agent::AgentResult>> start_agent(backends::Backend& backend, agent::AgentLimits limits) {
        workers::RunServices services{rec, backend, ledger, log, 7, ""};
        agent::AgentSpec spec;
        spec.node = rec.create_node(NodeId{0}, "t/calc-1/a0", store::NodeKind::thread, "agent");
        spec.path = "t/calc-1/a0";
        spec.account = account;
        spec.request.sampling.max_tokens = 400;
        spec.limits = limits;
        auto tools = workers::tools::make_swe_tool_registry(*workspace, env, sandbox);
        auto op = agent::run_agent(services, spec, *tools, "add() subtracts.");
        Result<agent::AgentResult> result = co_await std::move(op);
        co_return result;
    }

    agent::AgentResult run_agent(backends::Backend& backend, agent::AgentLimits limits) {
        auto result = async::run_sync(io, start_agent(backend, limits));
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
            if (n.kind == store::NodeKind::tool) out.push_back(n.path);
        return out;
    }
};

}  // namespace braid::agent_test
