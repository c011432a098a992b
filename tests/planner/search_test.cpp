// Beam and tree search: expansion order, budgets, step stops, determinism, Countdown.
#include "tests/planner/search_fixtures.hpp"

using namespace braid;
using namespace braid::test::search_fixtures;

TEST_CASE("Beam search keeps the best partials per step and follows them to the accepted answer",
          "[planner][search]") {
    SpellKind kind("c\na\nb\n");
    Harness h(&kind);
    auto backend = letter_backend("beam", 3, 3);
    auto strategy = beam(search_options(2, 3, 3), spelling_scores());
    auto outcome = h.solve(*backend, *strategy);

    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(selected(outcome).output == "c\na\nb\n");
    // Step 1: 3 calls; steps 2 and 3: 3 per kept partial (b, c; then ca, cb).
    REQUIRE(backend->calls() == 3 + 6 + 6);
    std::vector<std::string> expanded_at_3;
    for (const auto& n : h.nodes(store::NodeKind::step))
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

    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(selected(outcome).output == "c\na\nb\n");
    // Expanded in order: the root, b (0.9), c (0.5, better than b's children), ca (0.8) → solved.
    REQUIRE(backend->calls() == 12);
    std::vector<std::string> order;
    for (const auto& n : h.nodes(store::NodeKind::step))
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
    REQUIRE(outcome.status == store::TaskStatus::unsolved);
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
    REQUIRE(outcome.status == store::TaskStatus::budget_exhausted);
    REQUIRE(selected(outcome).output == "b\n");  // 0.9: better than the one step-2 partial (0.3)
    REQUIRE(h.nodes(store::NodeKind::step).size() == 9);
    int skipped = 0;
    for (const auto& n : h.nodes(store::NodeKind::step))
        skipped += n.status == store::NodeStatus::skipped;
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
    REQUIRE(outcome.status == store::TaskStatus::budget_exhausted);
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
    REQUIRE(outcome.status == store::TaskStatus::solved);
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
    REQUIRE(outcome.status == store::TaskStatus::solved);
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
