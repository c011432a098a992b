#pragma once
// Fixtures of the search-strategy tests (search_test.cpp, refine_judge_test.cpp): a spelling task
// kind, a table of step scores, a store-backed harness that solves one task, scripted backends.

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "planner/search/refine_prompt.hpp"
#include "planner/search/search_strategies.hpp"
#include "planner/search/step_tree.hpp"
#include "store/store.hpp"
#include "tasks/countdown/partial_trace.hpp"
#include "tasks/countdown/standin/symbolic_backend.hpp"
#include "tasks/jsonl.hpp"
#include "tests/support/temp_dir.hpp"
#include "verifiers/step_scorer.hpp"
#include "workers/generation.hpp"

namespace braid::test::search_fixtures {

inline constexpr std::uint64_t kRunSeed = 5;

// A task kind for search tests: the model spells a word one letter per line; the checker accepts
// exactly `answer_` and its reason names what was written.
class SpellKind final : public tasks::TaskKind {
public:
    explicit SpellKind(std::string answer) : answer_(std::move(answer)) {}
    std::vector<std::string> stop_strings() const override { return {"END"}; }
    std::string_view name() const override { return "spell"; }
    Result<void> validate(const tasks::Task&) const override { return {}; }
    std::string prompt(const tasks::Task&) const override { return "Spell:\n"; }
    tasks::Grade grade(const tasks::Task&, std::string_view output) const override {
        bool ok = output == answer_;
        return tasks::Grade{ok, ok ? std::string(output) : "",
                            ok ? "ok" : "wrote '" + std::string(output) + "'"};
    }

private:
    std::string answer_;
};

// Known step scores: the partial text → its score; 0 for texts not listed.
class TableScorer final : public verifiers::StepScorer {
public:
    explicit TableScorer(std::map<std::string, double> table) : table_(std::move(table)) {}
    std::string_view name() const override { return "table"; }
    asio::awaitable<Result<verifiers::StepScore>> score(
        workers::RunServices&, verifiers::PartialSolution partial) const override {
        verifiers::StepScore s = verifiers::grade_partial(partial);
        if (!s.accepted) {
            auto it = table_.find(partial.text);
            s.score = it == table_.end() ? 0.0 : it->second;
        }
        co_return s;
    }

private:
    std::map<std::string, double> table_;
};

struct Harness {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "s.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;
    tasks::Task task{"x", "spell", nlohmann::json{{"id", "x"}}};
    const tasks::TaskKind* kind = nullptr;

    explicit Harness(const tasks::TaskKind* k, Amount limit = Amount::unlimited())
        : ledger(limit), kind(k) {}

    planner::TaskOutcome solve(backends::Backend& backend, planner::Strategy& strategy) {
        workers::RunServices services{rec, backend, ledger, log, kRunSeed, ""};
        planner::TaskScope scope;
        scope.task = &task;
        scope.kind = kind;
        scope.path = "t/" + task.id;
        scope.node = rec.create_node(NodeId{0}, scope.path, store::NodeKind::task, task.id);
        scope.account = ledger.open(ledger.root(), scope.path);
        return async::run_sync(io, strategy.solve(services, scope));
    }
    std::vector<store::NodeRecord> nodes(store::NodeKind node_kind) {
        db->flush_sync();
        std::vector<store::NodeRecord> out;
        for (auto& n : db->nodes(run))
            if (n.kind == node_kind) out.push_back(n);
        return out;
    }
};

// The path of every node a search of `label` below task "x" can create, by seed: the scripted
// program reads the path (and so the branch k) back from the request's seed.
inline std::map<std::uint64_t, std::string> paths_by_seed(const std::string& label, int expansions,
                                                   int depth) {
    std::map<std::uint64_t, std::string> out;
    std::vector<std::string> level{"t/x/" + label};
    for (int d = 0; d < depth; ++d) {
        std::vector<std::string> next;
        for (const std::string& p : level)
            for (int k = 0; k < expansions; ++k) next.push_back(p + "/" + std::to_string(k));
        for (const std::string& p : next) out[workers::node_seed(kRunSeed, p)] = p;
        level = std::move(next);
    }
    return out;
}

// A step writes the letter "abc"[k] of its branch k, then a newline and more (cut by the stop).
inline std::unique_ptr<backends::ScriptedBackend> letter_backend(const std::string& label, int expansions,
                                                          int depth) {
    auto paths = paths_by_seed(label, expansions, depth);
    return std::make_unique<backends::ScriptedBackend>(
        [paths](const backends::CompletionRequest& r, std::size_t) {
            auto it = paths.find(r.sampling.seed);
            if (it == paths.end()) return backends::ScriptedReply{"?\n", {}, {}};
            char letter = static_cast<char>('a' + (it->second.back() - '0'));
            return backends::ScriptedReply{std::string(1, letter) + "\nrest of the story", {}, {}};
        });
}

// Beam with width 2 keeps c (0.5) beside b (0.9) at step 1, then c's children (0.8, 0.7) beat all
// of b's (at most 0.4), so only the c branch leads to the accepted "c a b". Greedy would follow b.
inline std::map<std::string, double> spelling_scores() {
    return {{"a\n", 0.2},    {"b\n", 0.9},    {"c\n", 0.5},    {"b\na\n", 0.3}, {"b\nb\n", 0.4},
            {"b\nc\n", 0.1}, {"c\na\n", 0.8}, {"c\nb\n", 0.7}, {"c\nc\n", 0.2}};
}

inline planner::StrategyOptions search_options(int width, int expansions, int steps) {
    planner::StrategyOptions o;
    o.beam_width = width;
    o.expansions = expansions;
    o.max_steps = steps;
    o.step_tokens = 16;
    return o;
}

inline std::unique_ptr<planner::Strategy> beam(const planner::StrategyOptions& o,
                                        std::map<std::string, double> table) {
    return planner::search::make_beam_search(o, std::make_unique<TableScorer>(std::move(table)));
}

inline std::unique_ptr<planner::Strategy> tree(const planner::StrategyOptions& o,
                                        std::map<std::string, double> table) {
    return planner::search::make_tree_search(o, std::make_unique<TableScorer>(std::move(table)));
}

inline const verifiers::Candidate& selected(const planner::TaskOutcome& o) {
    REQUIRE(o.selection.index.has_value());
    return o.candidates[*o.selection.index];
}

// Backend for judge calls that returns logprobs: the first token " Yes" with P(yes) = p_yes.
class LogprobJudge final : public backends::Backend {
public:
    explicit LogprobJudge(double p_yes) : p_yes_(p_yes) {}
    std::string_view name() const override { return "scripted"; }
    asio::awaitable<Result<backends::Completion>> complete(backends::CompletionRequest request,
                                                           backends::ChunkSink on_chunk) override {
        ++calls;
        last = request;
        backends::Completion c;
        c.text = " Yes";
        if (on_chunk) on_chunk(c.text);
        backends::TokenLogprob first{" Yes", std::log(p_yes_), {}};
        first.top = {
            {" Yes", std::log(p_yes_)}, {" No", std::log(1 - p_yes_)}, {" Maybe", std::log(1e-3)}};
        if (request.sampling.top_logprobs >= 0) c.logprobs.push_back(first);
        c.usage = Usage{20, 1, 0};
        co_return c;
    }
    int calls = 0;
    backends::CompletionRequest last;

private:
    double p_yes_;
};


}  // namespace braid::test::search_fixtures
