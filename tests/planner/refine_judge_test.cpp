// Refinement rounds, the judge scorer, and the step scorers on Countdown partial traces.
#include "tests/planner/search_fixtures.hpp"

using namespace braid;
using namespace braid::test::search_fixtures;

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

    REQUIRE(outcome.status == store::TaskStatus::solved);
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
    REQUIRE(outcome.status == store::TaskStatus::unsolved);
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
        if (outcome.status == store::TaskStatus::solved)
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
    partial.node = h.rec.create_node(NodeId{0}, "t/x/beam/0", store::NodeKind::step, "s");
    partial.path = "t/x/beam/0";
    partial.account = h.ledger.open(h.ledger.root(), "t/x");
    auto s = async::run_sync(h.io, (*judge)->score(services, partial));
    REQUIRE(s.has_value());
    REQUIRE(s->score == Approx(0.8 / (0.8 + 0.2)));
    REQUIRE(s->judge_calls == 1);
    REQUIRE(backend.calls == 1);
    REQUIRE(backend.last.sampling.top_logprobs > 0);
    REQUIRE(backend.last.prompt == verifiers::judge_prompt("Spell:\n", "ri"));
    REQUIRE(h.nodes(store::NodeKind::judge).size() == 1);
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
    partial.node = h.rec.create_node(NodeId{0}, "t/x/beam/0", store::NodeKind::step, "s");
    partial.path = "t/x/beam/0";
    auto s = async::run_sync(h.io, (*judge)->score(services, partial));
    REQUIRE(s.has_value());
    REQUIRE(s->score == Approx(2.0 / 3.0));
    REQUIRE(s->judge_calls == 3);
    REQUIRE(h.nodes(store::NodeKind::judge).size() == 3);
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
    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(selected(outcome).output == "c\na\nb\n");
    // Every unaccepted partial costs three sampled verdicts (the scripted backend has no logprobs).
    const std::size_t judged = h.nodes(store::NodeKind::judge).size();
    REQUIRE(judged % 3 == 0);
    REQUIRE(outcome.metrics.model_calls ==
            static_cast<int>(h.nodes(store::NodeKind::step).size() + judged));
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
