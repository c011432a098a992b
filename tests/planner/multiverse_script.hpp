#pragma once
// Test support for the multiverse strategy: a ScriptedBackend program (a stand-in, not a model)
// that writes the Multiverse format in reply to what a request's prompt ends with, and records
// every request it receives; a harness that runs the strategy on one Countdown task over a temp
// SQLite store.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "planner/strategy.hpp"
#include "store/store.hpp"
#include "tasks/task_kind.hpp"
#include "tests/support/temp_dir.hpp"

namespace braid::test {

// One rule: a prompt that ends with `ends_with` (and contains `contains`, when set) gets `reply`.
struct ScriptRule {
    std::string ends_with;
    std::string contains;
    std::string reply;
    std::chrono::microseconds delay_per_chunk{0};
};

struct SeenRequest {
    std::string prompt;
    std::optional<backends::ParallelLayout> layout;
    std::uint64_t seed = 0;
    std::int64_t max_tokens = 0;
};

// Rules are tried in order; a prompt no rule matches gets an error reply (the test then fails on
// the thread's status, naming the prompt).
class MultiverseScript {
public:
    explicit MultiverseScript(std::vector<ScriptRule> rules) : rules_(std::move(rules)) {}

    std::unique_ptr<backends::ScriptedBackend> backend() {
        return std::make_unique<backends::ScriptedBackend>(
            [this](const backends::CompletionRequest& r, std::size_t) { return reply(r); });
    }
    const std::vector<SeenRequest>& seen() const { return seen_; }
    // The requests whose prompt ends with `suffix`.
    std::vector<SeenRequest> ending_with(const std::string& suffix) const {
        std::vector<SeenRequest> out;
        for (const SeenRequest& s : seen_)
            if (ends_with(s.prompt, suffix)) out.push_back(s);
        return out;
    }

    static bool ends_with(const std::string& text, const std::string& suffix) {
        return text.size() >= suffix.size() &&
               text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
    }

    // Records `r` and answers it by the first matching rule.
    backends::ScriptedReply reply(const backends::CompletionRequest& r) {
        seen_.push_back(SeenRequest{r.prompt, r.layout, r.sampling.seed, r.sampling.max_tokens});
        for (const ScriptRule& rule : rules_) {
            if (!ends_with(r.prompt, rule.ends_with)) continue;
            if (!rule.contains.empty() && r.prompt.find(rule.contains) == std::string::npos)
                continue;
            return backends::ScriptedReply{rule.reply, rule.delay_per_chunk, {}};
        }
        return backends::ScriptedReply{
            "", {}, make_error(ErrorCode::invalid_input, "no rule for prompt: " + r.prompt)};
    }

private:
    std::vector<ScriptRule> rules_;
    std::vector<SeenRequest> seen_;
};

// One Countdown task (2, 3, 4 → 24) solved by a strategy over a temp store.
struct MultiverseHarness {
    TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "mv.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;
    std::uint64_t run_seed = 7;
    tasks::Task task{
        "cd-x", "countdown",
        nlohmann::json{
            {"id", "cd-x"}, {"kind", "countdown"}, {"numbers", {2, 3, 4}}, {"target", 24}}};

    planner::TaskOutcome solve(backends::Backend& backend, planner::StrategyOptions options) {
        auto strategy = planner::make_strategy("multiverse", options);
        REQUIRE(strategy.has_value());
        workers::RunServices services{rec, backend, ledger, log, run_seed, ""};
        planner::TaskScope scope;
        scope.task = &task;
        scope.kind = tasks::find_task_kind("countdown");
        scope.path = "t/cd-x";
        scope.node = rec.create_node(NodeId{0}, scope.path, store::NodeKind::task, "cd-x");
        scope.account = ledger.open(ledger.root(), scope.path);
        auto outcome = async::run_sync(io, (*strategy)->solve(services, scope));
        db->flush_sync();
        return outcome;
    }

    const store::NodeRecord& node(const std::string& path) {
        auto id = rec.find(path);
        REQUIRE(id.has_value());
        return *rec.node(*id);
    }
    // Payloads of the node's events of `type`, in order.
    std::vector<nlohmann::json> events(const std::string& path, const std::string& type) {
        NodeId id = node(path).id;
        std::vector<nlohmann::json> out;
        for (const auto& e : db->events(run))
            if (e.node == id && e.type == type)
                out.push_back(nlohmann::json::parse(e.payload_json));
        return out;
    }
    std::int64_t seq_of(const std::string& path, const std::string& type) {
        NodeId id = node(path).id;
        for (const auto& e : db->events(run))
            if (e.node == id && e.type == type) return e.seq;
        FAIL("no " + type + " event on " + path);
        return 0;
    }
};

}  // namespace braid::test
