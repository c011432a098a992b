// Step search (beam, tree), refinement and the step scorers, on scripted backends (stand-ins
// named as such) whose replies follow the node's path, so the right path is known in advance.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include <asio/io_context.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "planner/search/refine_prompt.hpp"
#include "planner/search/search_strategies.hpp"
#include "planner/search/step_tree.hpp"
#include "store/store.hpp"
#include "tasks/countdown/partial_trace.hpp"
#include "tasks/countdown/symbolic_backend.hpp"
#include "tasks/jsonl.hpp"
#include "tests/support/temp_dir.hpp"
#include "verifiers/step_scorer.hpp"
#include "workers/generation.hpp"

using namespace braid;

namespace {

constexpr std::uint64_t kRunSeed = 5;

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
        scope.node = rec.create_node(NodeId{0}, scope.path, "task", task.id);
        scope.account = ledger.open(ledger.root(), scope.path);
        return async::run_sync(io, strategy.solve(services, scope));
    }
    std::vector<store::NodeRecord> nodes(std::string_view kind_name) {
        db->flush_sync();
        std::vector<store::NodeRecord> out;
        for (auto& n : db->nodes(run))
            if (n.kind == kind_name) out.push_back(n);
        return out;
    }
};

// The path of every node a search of `label` below task "x" can create, by seed: the scripted
// program reads the path (and so the branch k) back from the request's seed.
std::map<std::uint64_t, std::string> paths_by_seed(const std::string& label, int expansions,
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
std::unique_ptr<backends::ScriptedBackend> letter_backend(const std::string& label, int expansions,
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
std::map<std::string, double> spelling_scores() {
    return {{"a\n", 0.2},    {"b\n", 0.9},    {"c\n", 0.5},    {"b\na\n", 0.3}, {"b\nb\n", 0.4},
            {"b\nc\n", 0.1}, {"c\na\n", 0.8}, {"c\nb\n", 0.7}, {"c\nc\n", 0.2}};
}

planner::StrategyOptions search_options(int width, int expansions, int steps) {
    planner::StrategyOptions o;
    o.beam_width = width;
    o.expansions = expansions;
    o.max_steps = steps;
    o.step_tokens = 16;
    return o;
}

std::unique_ptr<planner::Strategy> beam(const planner::StrategyOptions& o,
                                        std::map<std::string, double> table) {
    return planner::search::make_beam_search(o, std::make_unique<TableScorer>(std::move(table)));
}

std::unique_ptr<planner::Strategy> tree(const planner::StrategyOptions& o,
                                        std::map<std::string, double> table) {
    return planner::search::make_tree_search(o, std::make_unique<TableScorer>(std::move(table)));
}

const verifiers::Candidate& selected(const planner::TaskOutcome& o) {
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

}  // namespace

TEST_CASE("Beam search keeps the best partials per step and follows them to the accepted answer",
          "[planner][search]") {
    SpellKind kind("c\na\nb\n");
    Harness h(&kind);
    auto backend = letter_backend("beam", 3, 3);
    auto strategy = beam(search_options(2, 3, 3), spelling_scores());
    auto outcome = h.solve(*backend, *strategy);

    REQUIRE(outcome.status == planner::TaskStatus::solved);
    REQUIRE(selected(outcome).output == "c\na\nb\n");
    // Step 1: 3 calls; steps 2 and 3: 3 per kept partial (b, c; then ca, cb).
    REQUIRE(backend->calls() == 3 + 6 + 6);
    std::vector<std::string> expanded_at_3;
    for (const auto& n : h.nodes("step"))
        if (std::count(n.path.begin(), n.path.end(), '/') == 5)
            expanded_at_3.push_back(n.path.substr(0, 13));
    REQUIRE(expanded_at_3.size() == 6);
    for (const std::string& p : expanded_at_3)
        REQUIRE((p == "t/x/beam/2/0/" || p == "t/x/beam/2/1/"));
    // The accepted node is t/x/beam/2/0/1, its score 1 under "search" = 1 + 0.5.
    REQUIRE(h.rec.node(selected(outcome).node)->path == "t/x/beam/2/0/1");
    REQUIRE(selected(outcome).score("search").value() == Approx(1.5));

    const planner::PlanMetrics& m = outcome.metrics;
    REQUIRE(m.model_calls == 15);
    REQUIRE(m.threads == 15);
    REQUIRE(m.max_depth == 3);
    // Shared prefixes once: the task prompt once plus every step's own tokens; the critical path
    // is the prompt plus the three steps to the answer.
    std::int64_t prompt = backends::estimate_tokens("Spell:\n");
    REQUIRE(m.total_tokens == prompt + 15);  // every step writes one letter (1 estimated token)
    REQUIRE(m.critical_path_tokens == prompt + 3);
}

TEST_CASE("Tree search expands the best node of the frontier first", "[planner][search]") {
    SpellKind kind("c\na\nb\n");
    Harness h(&kind);
    auto backend = letter_backend("tree", 3, 3);
    auto strategy = tree(search_options(2, 3, 3), spelling_scores());
    auto outcome = h.solve(*backend, *strategy);

    REQUIRE(outcome.status == planner::TaskStatus::solved);
    REQUIRE(selected(outcome).output == "c\na\nb\n");
    // Expanded in order: the root, b (0.9), c (0.5, better than b's children), ca (0.8) → solved.
    REQUIRE(backend->calls() == 12);
    std::vector<std::string> order;
    for (const auto& n : h.nodes("step"))
        if (n.path.size() > 11) order.push_back(n.path.substr(0, n.path.rfind('/')));
    std::vector<std::string> parents;
    for (const std::string& p : order)
        if (parents.empty() || parents.back() != p) parents.push_back(p);
    REQUIRE(parents == std::vector<std::string>{"t/x/tree/1", "t/x/tree/2", "t/x/tree/2/0"});
    REQUIRE(outcome.metrics.max_depth == 3);
}

TEST_CASE("Tree search stops at its node budget and keeps the best partials", "[planner][search]") {
    SpellKind kind("never");
    Harness h(&kind);
    auto backend = letter_backend("tree", 2, 4);
    auto strategy = tree(search_options(1, 2, 2), spelling_scores());  // 2 expansions at most
    auto outcome = h.solve(*backend, *strategy);
    REQUIRE(outcome.status == planner::TaskStatus::unsolved);
    REQUIRE(backend->calls() == 4);
    // Root → a (0.2), b (0.9); b → b a (0.3), b b (0.4), both at the depth cap; a is left on the
    // frontier. Candidates: b a, b b, a; the best is b b.
    REQUIRE(outcome.candidates.size() == 3);
    REQUIRE(selected(outcome).output == "b\nb\n");
}

TEST_CASE("A budget refusal stops beam search and still returns the best partial so far",
          "[planner][search]") {
    SpellKind kind("c\na\nb\n");
    Amount limit = Amount::unlimited();
    limit[BudgetUnit::samples] = 4;  // step 1's three calls and one of step 2's
    Harness h(&kind, limit);
    auto backend = letter_backend("beam", 3, 3);
    auto strategy = beam(search_options(2, 3, 3), spelling_scores());
    auto outcome = h.solve(*backend, *strategy);

    REQUIRE(backend->calls() == 4);
    REQUIRE(outcome.status == planner::TaskStatus::budget_exhausted);
    REQUIRE(selected(outcome).output == "b\n");  // 0.9: better than the one step-2 partial (0.3)
    REQUIRE(h.nodes("step").size() == 9);
    int skipped = 0;
    for (const auto& n : h.nodes("step")) skipped += n.status == "skipped";
    REQUIRE(skipped == 5);
}

TEST_CASE("Beam search with the budget refused from the start reports budget_exhausted",
          "[planner][search]") {
    SpellKind kind("c\n");
    Amount limit = Amount::unlimited();
    limit[BudgetUnit::samples] = 0;
    Harness h(&kind, limit);
    auto backend = letter_backend("beam", 2, 1);
    auto strategy = beam(search_options(2, 2, 2), spelling_scores());
    auto outcome = h.solve(*backend, *strategy);
    REQUIRE(outcome.status == planner::TaskStatus::budget_exhausted);
    REQUIRE(outcome.candidates.empty());
    REQUIRE(backend->calls() == 0);
}

TEST_CASE("A step that ends on the task's own stop string finishes its thread",
          "[planner][search]") {
    SpellKind kind("a\nb");
    Harness h(&kind);
    // The first step writes "a" and a newline; the second "b" and the task's stop "END".
    auto backend = std::make_unique<backends::ScriptedBackend>(
        [](const backends::CompletionRequest& r, std::size_t) {
            return backends::ScriptedReply{
                r.prompt == "Spell:\n" ? "a\nmore" : "bEND and more", {}, {}};
        });
    auto strategy = beam(search_options(1, 1, 5), {});
    auto outcome = h.solve(*backend, *strategy);
    REQUIRE(backend->calls() == 2);
    REQUIRE(outcome.status == planner::TaskStatus::solved);
    REQUIRE(selected(outcome).output == "a\nb");
}

TEST_CASE("A stop the backend does not name continues the thread until a step adds nothing",
          "[planner][search]") {
    SpellKind kind("never");
    Harness h(&kind);
    // "b" ends without a stop string (an end token, or a step stop the backend did not name);
    // read as a step, then the empty reply after it ends the thread.
    auto backend = std::make_unique<backends::ScriptedBackend>(
        [](const backends::CompletionRequest& r, std::size_t) {
            std::string so_far = r.prompt.substr(7);
            return backends::ScriptedReply{so_far.empty() ? "b" : "", {}, {}};
        });
    auto strategy = beam(search_options(1, 1, 5), {});
    auto outcome = h.solve(*backend, *strategy);
    REQUIRE(backend->calls() == 2);
    REQUIRE(outcome.candidates.size() == 1);
    REQUIRE(outcome.candidates[0].output == "b\n");
}

TEST_CASE("classify_step reads step stops, cuts, task stops and ambiguous stops",
          "[planner][search]") {
    using planner::search::classify_step;
    using planner::search::StepEnd;
    backends::Completion c;
    c.text = "x";
    c.finish_reason = "length";
    REQUIRE(classify_step(c, "\n", "") == StepEnd::cut);
    c.finish_reason = "stop";
    c.stop_sequence = "\n";
    REQUIRE(classify_step(c, "\n", "") == StepEnd::step);
    c.stop_sequence = "</answer>";
    REQUIRE(classify_step(c, "\n", "") == StepEnd::finished);
    c.stop_sequence = "";  // a backend that does not say which stop matched
    REQUIRE(classify_step(c, "\n", "a\n") == StepEnd::step);
    c.text = "";
    REQUIRE(classify_step(c, "\n", "") == StepEnd::step);         // the first, empty line
    REQUIRE(classify_step(c, "\n", "a\n") == StepEnd::finished);  // nothing after a step stop
    REQUIRE(classify_step(c, "", "a") == StepEnd::finished);
}

TEST_CASE("Refine stops at the first accepted attempt and feeds the checker's reason back",
          "[planner][search]") {
    SpellKind kind("right");
    Harness h(&kind);
    std::vector<std::string> prompts;
    auto backend = std::make_unique<backends::ScriptedBackend>(
        [&prompts](const backends::CompletionRequest& r, std::size_t i) {
            prompts.push_back(r.prompt);
            return backends::ScriptedReply{i == 0 ? "wrong" : i == 1 ? "worse" : "right", {}, {}};
        });
    planner::StrategyOptions o;
    o.rounds = 5;
    auto strategy = planner::make_strategy("refine", o);
    REQUIRE(strategy.has_value());
    auto outcome = h.solve(*backend, **strategy);

    REQUIRE(outcome.status == planner::TaskStatus::solved);
    REQUIRE(backend->calls() == 3);
    REQUIRE(outcome.candidates.size() == 3);
    REQUIRE(selected(outcome).output == "right");
    REQUIRE(prompts[0] == "Spell:\n");
    REQUIRE(prompts[1] == planner::search::revision_prompt("Spell:\n", "wrong", "wrote 'wrong'"));
    REQUIRE(prompts[1].find("Feedback: wrote 'wrong'") != std::string::npos);
    REQUIRE(prompts[2].find("worse\nFeedback: wrote 'worse'\nTry again.\nSpell:\n") !=
            std::string::npos);
    REQUIRE(outcome.metrics.model_calls == 3);
    REQUIRE(outcome.metrics.max_depth == 3);
    REQUIRE(outcome.metrics.critical_path_tokens == outcome.metrics.total_tokens);
}

TEST_CASE("Refine without an accepted attempt selects the latest one", "[planner][search]") {
    SpellKind kind("right");
    Harness h(&kind);
    auto backend =
        backends::ScriptedBackend::canned({{"one", {}, {}}, {"two", {}, {}}, {"three", {}, {}}});
    planner::StrategyOptions o;
    o.rounds = 2;
    auto strategy = planner::make_strategy("refine", o);
    auto outcome = h.solve(*backend, **strategy);
    REQUIRE(outcome.status == planner::TaskStatus::unsolved);
    REQUIRE(outcome.candidates.size() == 3);
    REQUIRE(selected(outcome).output == "three");
}

TEST_CASE("Refine on the symbolic Countdown backend gets a new attempt per round",
          "[planner][search]") {
    const tasks::TaskKind* kind = tasks::find_task_kind("countdown");
    auto problems = tasks::read_tasks_jsonl(BRAID_SOURCE_DIR "/examples/countdown/sample.jsonl");
    REQUIRE(problems.has_value());
    tasks::countdown::SymbolicBackend symbolic;
    planner::StrategyOptions o;
    o.rounds = 6;
    bool saw_revision = false;
    for (const tasks::Task& task : *problems) {
        Harness h(kind);
        h.task = task;
        auto strategy = planner::make_strategy("refine", o);
        auto outcome = h.solve(symbolic, **strategy);
        REQUIRE(!outcome.candidates.empty());
        // Only the last attempt may be accepted: refinement stops there.
        for (std::size_t i = 0; i + 1 < outcome.candidates.size(); ++i)
            REQUIRE(outcome.candidates[i].score("checker").value() == 0);
        if (outcome.status == planner::TaskStatus::solved)
            REQUIRE(selected(outcome).node == outcome.candidates.back().node);
        else
            REQUIRE(outcome.candidates.size() == 7);
        if (outcome.candidates.size() > 1) {
            saw_revision = true;  // a new seed per round: the attempts differ
            REQUIRE(outcome.candidates[0].output != outcome.candidates[1].output);
        }
    }
    REQUIRE(saw_revision);
}

TEST_CASE("The judge reads P(yes) from logprobs in one call", "[planner][search][judge]") {
    SpellKind kind("right");
    Harness h(&kind);
    LogprobJudge backend(0.8);
    auto judge = verifiers::make_step_scorer("judge");
    REQUIRE(judge.has_value());
    workers::RunServices services{h.rec, backend, h.ledger, h.log, kRunSeed, ""};
    verifiers::PartialSolution partial;
    partial.task = &h.task;
    partial.kind = &kind;
    partial.prompt = "Spell:\n";
    partial.text = "ri";
    partial.node = h.rec.create_node(NodeId{0}, "t/x/beam/0", "step", "s");
    partial.path = "t/x/beam/0";
    partial.account = h.ledger.open(h.ledger.root(), "t/x");
    auto s = async::run_sync(h.io, (*judge)->score(services, partial));
    REQUIRE(s.has_value());
    REQUIRE(s->score == Approx(0.8 / (0.8 + 0.2)));
    REQUIRE(s->judge_calls == 1);
    REQUIRE(backend.calls == 1);
    REQUIRE(backend.last.sampling.top_logprobs > 0);
    REQUIRE(backend.last.prompt == verifiers::judge_prompt("Spell:\n", "ri"));
    REQUIRE(h.nodes("judge").size() == 1);
    REQUIRE(h.ledger.spent(h.ledger.root())[BudgetUnit::tokens] ==
            21);  // the judge's call is paid for

    // An accepted text needs no judge.
    partial.text = "right";
    auto accepted = async::run_sync(h.io, (*judge)->score(services, partial));
    REQUIRE(accepted->score == 1);
    REQUIRE(accepted->judge_calls == 0);
    REQUIRE(backend.calls == 1);
}

TEST_CASE("The judge averages three sampled verdicts when the backend has no logprobs",
          "[planner][search][judge]") {
    SpellKind kind("right");
    Harness h(&kind);
    auto backend = backends::ScriptedBackend::canned(
        {{" Yes", {}, {}}, {" No, it is not", {}, {}}, {"yes", {}, {}}});
    auto judge = verifiers::make_step_scorer("judge");
    workers::RunServices services{h.rec, *backend, h.ledger, h.log, kRunSeed, ""};
    verifiers::PartialSolution partial;
    partial.task = &h.task;
    partial.kind = &kind;
    partial.prompt = "Spell:\n";
    partial.text = "ri";
    partial.node = h.rec.create_node(NodeId{0}, "t/x/beam/0", "step", "s");
    partial.path = "t/x/beam/0";
    auto s = async::run_sync(h.io, (*judge)->score(services, partial));
    REQUIRE(s.has_value());
    REQUIRE(s->score == Approx(2.0 / 3.0));
    REQUIRE(s->judge_calls == 3);
    REQUIRE(h.nodes("judge").size() == 3);
}

TEST_CASE("Judge verdicts and logprob scores read yes and no only as whole words",
          "[planner][search][judge]") {
    REQUIRE(verifiers::judge_verdict(" Yes.") == 1);
    REQUIRE(verifiers::judge_verdict("no") == 0);
    REQUIRE(verifiers::judge_verdict("Yesterday") == 0.5);
    REQUIRE(verifiers::judge_verdict("") == 0.5);
    REQUIRE_FALSE(verifiers::judge_logprob_score({}).has_value());
    backends::TokenLogprob t{
        " Nope", std::log(0.9), {{" Nope", std::log(0.9)}, {" no", std::log(0.05)}}};
    REQUIRE(verifiers::judge_logprob_score({t}).value() == Approx(0.0));
    t.top.push_back({"Yes", std::log(0.05)});
    REQUIRE(verifiers::judge_logprob_score({t}).value() == Approx(0.5));
}

TEST_CASE(
    "Beam search with the judge scorer ranks partials by the judge and pays for every verdict",
    "[planner][search][judge]") {
    SpellKind kind("c\na\nb\n");
    Harness h(&kind);
    auto paths = paths_by_seed("beam", 3, 3);
    // Steps write their branch's letter; the judge says yes to partials starting with "c".
    auto backend = std::make_unique<backends::ScriptedBackend>(
        [paths](const backends::CompletionRequest& r, std::size_t) {
            if (r.prompt.rfind("You check", 0) == 0) {
                bool good = r.prompt.find("Partial solution:\nc") != std::string::npos;
                return backends::ScriptedReply{good ? " Yes" : " No", {}, {}};
            }
            auto it = paths.find(r.sampling.seed);
            char letter = static_cast<char>('a' + (it->second.back() - '0'));
            return backends::ScriptedReply{std::string(1, letter) + "\n", {}, {}};
        });
    planner::StrategyOptions o = search_options(1, 3, 3);
    o.scorer = "judge";
    auto strategy = planner::make_strategy("beam", o);
    REQUIRE(strategy.has_value());
    auto outcome = h.solve(*backend, **strategy);
    REQUIRE(outcome.status == planner::TaskStatus::solved);
    REQUIRE(selected(outcome).output == "c\na\nb\n");
    // Every unaccepted partial costs three sampled verdicts (the scripted backend has no logprobs).
    const std::size_t judged = h.nodes("judge").size();
    REQUIRE(judged % 3 == 0);
    REQUIRE(outcome.metrics.model_calls == static_cast<int>(h.nodes("step").size() + judged));
}

TEST_CASE("Search runs are deterministic: the same seed gives the same candidates",
          "[planner][search]") {
    auto run_once = [](std::string_view strategy_name) {
        SpellKind kind("never");
        Harness h(&kind);
        // A reply that depends only on the request's seed (and so on the node's path).
        auto backend = std::make_unique<backends::ScriptedBackend>(
            [](const backends::CompletionRequest& r, std::size_t) {
                if (r.prompt.rfind("You check", 0) == 0)
                    return backends::ScriptedReply{r.sampling.seed % 2 ? "Yes" : "No", {}, {}};
                return backends::ScriptedReply{
                    std::string(1, static_cast<char>('a' + r.sampling.seed % 7)) + "\n", {}, {}};
            });
        planner::StrategyOptions o = search_options(2, 3, 3);
        o.scorer = "judge";
        auto strategy = planner::make_strategy(strategy_name, o);
        auto outcome = h.solve(*backend, **strategy);
        std::vector<std::pair<std::string, double>> seen;
        for (const auto& c : outcome.candidates)
            seen.emplace_back(c.output, c.score("search").value());
        seen.emplace_back(selected(outcome).output, -1);
        return seen;
    };
    for (const char* name : {"beam", "tree"}) {
        INFO(name);
        auto first = run_once(name);
        REQUIRE(first.size() > 1);
        REQUIRE(run_once(name) == first);
    }
}

TEST_CASE("The step scorers grade partial Countdown traces by the checker's rules",
          "[planner][search]") {
    const tasks::TaskKind& kind = *tasks::find_task_kind("countdown");
    tasks::Task task{
        "cd", "countdown",
        nlohmann::json{
            {"id", "cd"}, {"kind", "countdown"}, {"numbers", {2, 3, 4}}, {"target", 24}}};
    const std::string good =
        "\nCurrent State: 24:[2, 3, 4], Operations: []\n"
        "Exploring Operation: 2*3=6, Resulting Numbers: [4, 6]\n"
        "Generated Node #0,0: 24:[4, 6] Operation: 2*3=6\n";
    const std::string wrong_math = "\nExploring Operation: 2*3=7, Resulting Numbers: [4, 7]\n";
    const std::string missing = "\nExploring Operation: 5*3=15, Resulting Numbers: [4, 15]\n";
    const std::string reached =
        good +
        "Moving to Node #0,0\nCurrent State: 24:[4, 6], Operations: ['2*3=6']\n"
        "Exploring Operation: 4*6=24, Resulting Numbers: [24]\n24,24 equal: Goal Reached\n";

    double start = verifiers::partial_heuristic_score(task, kind, "");
    double after_move = verifiers::partial_heuristic_score(task, kind, good);
    REQUIRE(start > 0);
    REQUIRE(after_move > start);  // fewer numbers left, all still factors of 24
    REQUIRE(verifiers::partial_heuristic_score(task, kind, reached) == 1.0);
    REQUIRE(verifiers::partial_heuristic_score(task, kind, wrong_math) == 0.0);
    REQUIRE(verifiers::partial_heuristic_score(task, kind, missing) == 0.0);
    // A step cut mid-line is not wrong yet.
    REQUIRE(verifiers::partial_heuristic_score(task, kind, good + "Exploring Operation: 4*") ==
            Approx(after_move));

    auto broken =
        tasks::countdown::score_partial_trace(tasks::countdown::Problem{{2, 3, 4}, 24}, wrong_math);
    REQUIRE_FALSE(broken.valid);
    REQUIRE(broken.reason.find("wrong arithmetic") != std::string::npos);
    auto claimed = tasks::countdown::score_partial_trace(tasks::countdown::Problem{{2, 3, 4}, 24},
                                                         good + "24,24 equal: Goal Reached\n");
    REQUIRE_FALSE(claimed.valid);

    REQUIRE(verifiers::partial_checker_score(task, kind, good) == 0.5);
    REQUIRE(verifiers::partial_checker_score(task, kind, wrong_math) == 0.0);
    SpellKind other("x");
    REQUIRE(verifiers::partial_heuristic_score(task, other, "anything at all") == 0.5);
    REQUIRE(verifiers::partial_heuristic_score(task, other, "") == 0.5);
    REQUIRE_FALSE(verifiers::make_step_scorer("oracle").has_value());
}

TEST_CASE("Beam search with the heuristic scorer solves Countdown from real symbolic traces",
          "[planner][search]") {
    // Steps are the next lines of two solved symbolic traces.
    const tasks::TaskKind* kind = tasks::find_task_kind("countdown");
    tasks::Task task{
        "x", "countdown",
        nlohmann::json{{"id", "x"}, {"kind", "countdown"}, {"numbers", {2, 3, 4}}, {"target", 24}}};
    tasks::countdown::SymbolicBackend symbolic;
    std::vector<std::string> traces;
    for (std::uint64_t seed = 0; traces.size() < 2 && seed < 64; ++seed) {
        auto text = symbolic.completion_text(kind->prompt(task), seed);
        REQUIRE(text.has_value());
        if (kind->grade(task, *text).correct) traces.push_back(*text);
    }
    REQUIRE(traces.size() == 2);
    const std::string prompt = kind->prompt(task);
    // One continuation in three (by seed) writes a line that breaks the rules; the heuristic
    // scores those 0, so the beam keeps following a real trace.
    auto backend = std::make_unique<backends::ScriptedBackend>(
        [traces, prompt](const backends::CompletionRequest& r, std::size_t) {
            std::string so_far = r.prompt.substr(prompt.size());
            if (r.sampling.seed % 3 != 0)
                for (const std::string& t : traces)
                    if (t.compare(0, so_far.size(), so_far) == 0)
                        return backends::ScriptedReply{t.substr(so_far.size()), {}, {}};
            return backends::ScriptedReply{
                "Exploring Operation: 9*9=81, Resulting Numbers: [81]\n", {}, {}};
        });
    Harness h(kind);
    h.task = task;
    planner::StrategyOptions o = search_options(2, 2, 64);
    o.scorer = "heuristic";
    auto strategy = planner::make_strategy("beam", o);
    auto outcome = h.solve(*backend, **strategy);
    REQUIRE(outcome.status == planner::TaskStatus::solved);
    REQUIRE(kind->grade(task, selected(outcome).output).correct);
}

TEST_CASE("make_strategy builds beam, tree and refine, and rejects a bad scorer",
          "[planner][search]") {
    for (const char* name : {"beam", "tree", "refine"})
        REQUIRE(planner::make_strategy(name, {}).has_value());
    REQUIRE(planner::selection_rule_of("beam").value() == "best-score:search");
    REQUIRE(planner::selection_rule_of("refine").value() == "best-score:refine");
    planner::StrategyOptions o;
    o.scorer = "oracle";
    REQUIRE_FALSE(planner::make_strategy("beam", o).has_value());
}
