#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "planner/strategy.hpp"
#include "store/store.hpp"
#include "tasks/countdown/standin/symbolic_backend.hpp"
#include "tasks/jsonl.hpp"
#include "tests/support/temp_dir.hpp"
#include "verifiers/selection.hpp"

using namespace braid;
using namespace std::chrono_literals;

namespace {

planner::StrategyOptions sampling_options(int samples, std::int64_t max_tokens, double temperature) {
    planner::StrategyOptions o;
    o.samples = samples;
    o.max_tokens = max_tokens;
    o.temperature = temperature;
    return o;
}

// Real traces from the symbolic search for one sample problem: two correct ones with different
// answers, and one that fails the checker.
struct Traces {
    tasks::Task task;
    std::string a, b, wrong;
    std::string answer_a, answer_b;
};

Traces find_traces() {
    const tasks::TaskKind& kind = *tasks::find_task_kind("countdown");
    tasks::countdown::SymbolicBackend symbolic;
    auto problems = tasks::read_tasks_jsonl(BRAID_SOURCE_DIR "/examples/countdown/sample.jsonl");
    REQUIRE(problems.has_value());
    for (const tasks::Task& task : *problems) {
        Traces t{task, "", "", "", "", ""};
        for (std::uint64_t seed = 0; seed < 64 && (t.b.empty() || t.wrong.empty()); ++seed) {
            auto text = symbolic.completion_text(kind.prompt(task), seed);
            REQUIRE(text.has_value());
            tasks::Grade g = kind.grade(task, *text);
            if (!g.correct) {
                if (t.wrong.empty()) t.wrong = *text;
            } else if (t.a.empty()) {
                t.a = *text;
                t.answer_a = g.normalized;
            } else if (t.b.empty() && g.normalized != t.answer_a) {
                t.b = *text;
                t.answer_b = g.normalized;
            }
        }
        if (!t.b.empty() && !t.wrong.empty()) return t;
    }
    FAIL("no sample problem gives two different solutions and a failure within 64 seeds");
    return {};
}

struct Harness {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "p.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;

    tasks::Task task{"cd-x", "countdown",
                     nlohmann::json{{"id", "cd-x"}, {"kind", "countdown"}, {"numbers", {2, 3, 4}}, {"target", 24}}};

    planner::TaskOutcome solve(backends::Backend& backend, std::string_view strategy_name, int samples) {
        auto strategy = planner::make_strategy(strategy_name, sampling_options(samples, 4096, 1.0));
        REQUIRE(strategy.has_value());
        workers::RunServices services{rec, backend, ledger, log, 5, ""};
        planner::TaskScope scope;
        scope.task = &task;
        scope.kind = tasks::find_task_kind("countdown");
        scope.path = "t/cd-x";
        scope.node = rec.create_node(NodeId{0}, scope.path, store::NodeKind::task, "cd-x");
        scope.account = ledger.open(ledger.root(), scope.path);
        return async::run_sync(io, (*strategy)->solve(services, scope));
    }
};

// Replies by launch order: sample i gets replies[i].
std::unique_ptr<backends::ScriptedBackend> by_index(std::vector<backends::ScriptedReply> replies) {
    return backends::ScriptedBackend::canned(std::move(replies));
}

}  // namespace

TEST_CASE("Self-consistency selects the answer most samples agree on", "[planner]") {
    Traces t = find_traces();
    Harness h;
    h.task = t.task;
    auto backend = by_index({{t.a, {}, {}}, {t.b, {}, {}}, {t.wrong, {}, {}}, {t.b, {}, {}}, {t.a, {}, {}}, {t.b, {}, {}}});
    auto outcome = h.solve(*backend, "self-consistency", 6);
    REQUIRE(outcome.candidates.size() == 6);
    REQUIRE(outcome.selection.index == 1u);  // the first of the three B answers
    REQUIRE(outcome.candidates[1].normalized == t.answer_b);
    REQUIRE(outcome.status == store::TaskStatus::solved);
}

namespace {

backends::ScriptedReply with_logprob(std::string text, double logprob) {
    backends::ScriptedReply r{std::move(text), {}, {}};
    r.logprob = logprob;
    return r;
}

// The stored verdicts of one verifier, by node.
std::map<std::int64_t, double> stored_verdicts(store::Store& db, RunId run, std::string_view verifier) {
    db.flush_sync();
    std::map<std::int64_t, double> out;
    for (const auto& v : db.verdicts(run))
        if (v.verifier == verifier) out[v.node.value] = v.score;
    return out;
}

}  // namespace

TEST_CASE("Self-consistency stores confidence and length verdicts; best-score:confidence picks the surest",
          "[planner][verifiers]") {
    Traces t = find_traces();
    Harness h;
    h.task = t.task;
    std::vector<int> asked;
    std::vector<backends::ScriptedReply> replies{with_logprob(t.a, -0.5), with_logprob(t.b, -0.125),
                                                 with_logprob(t.a, -1.0)};
    backends::ScriptedBackend backend([&](const backends::CompletionRequest& r, std::size_t i) {
        asked.push_back(r.sampling.top_logprobs);
        return replies[i];
    });
    auto outcome = h.solve(backend, "self-consistency", 3);
    REQUIRE(outcome.candidates.size() == 3);
    CHECK(asked == std::vector<int>{0, 0, 0});  // token logprobs, no alternatives
    CHECK(outcome.selection.index == 0u);        // majority is unchanged: answer A twice

    const std::vector<double> hand{-0.5, -0.125, -1.0};
    auto confidence = stored_verdicts(*h.db, h.run, "confidence");
    auto length = stored_verdicts(*h.db, h.run, "length");
    REQUIRE(confidence.size() == 3);
    REQUIRE(length.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        const verifiers::Candidate& c = outcome.candidates[i];
        CHECK(c.score("confidence").value() == Approx(hand[i]));
        CHECK(confidence.at(c.node.value) == Approx(hand[i]));
        REQUIRE(c.completion_tokens > 0);
        CHECK(c.score("length").value() == -static_cast<double>(c.completion_tokens));
        CHECK(length.at(c.node.value) == -static_cast<double>(c.completion_tokens));
    }
    auto surest = verifiers::select_best_score(outcome.candidates, "confidence");
    CHECK(surest.index == 1u);
}

TEST_CASE("Without logprobs the sampling strategies store length verdicts but no confidence",
          "[planner][verifiers]") {
    Traces t = find_traces();
    for (const char* name : {"best-of-n", "first-finish"}) {
        Harness h;
        h.task = t.task;
        auto backend = by_index({{t.wrong, {}, {}}, {t.a, {}, {}}});
        auto outcome = h.solve(*backend, name, 2);
        REQUIRE_FALSE(outcome.candidates.empty());
        CHECK(stored_verdicts(*h.db, h.run, "confidence").empty());
        auto length = stored_verdicts(*h.db, h.run, "length");
        CHECK(length.size() == outcome.candidates.size());
        for (const verifiers::Candidate& c : outcome.candidates) {
            CHECK_FALSE(c.score("confidence").has_value());
            CHECK(length.at(c.node.value) == -static_cast<double>(c.completion_tokens));
        }
    }
}

TEST_CASE("Best-of-n selects a candidate the checker accepts even when most fail", "[planner]") {
    Traces t = find_traces();
    Harness h;
    h.task = t.task;
    auto backend = by_index({{t.wrong, {}, {}}, {t.wrong, {}, {}}, {t.a, {}, {}}, {t.wrong, {}, {}}});
    auto outcome = h.solve(*backend, "best-of-n", 4);
    REQUIRE(outcome.selection.index == 2u);
    REQUIRE(outcome.status == store::TaskStatus::solved);
    h.db->flush_sync();
    int checked = 0, accepted = 0;
    for (const auto& v : h.db->verdicts(h.run)) {
        if (v.verifier != "checker") continue;
        ++checked;
        accepted += v.score > 0;
    }
    REQUIRE(checked == 4);
    REQUIRE(accepted == 1);
}

TEST_CASE("Best-of-n with only failing samples ends unsolved", "[planner]") {
    Traces t = find_traces();
    Harness h;
    h.task = t.task;
    auto backend = by_index({{t.wrong, {}, {}}});
    auto outcome = h.solve(*backend, "best-of-n", 3);
    REQUIRE(outcome.status == store::TaskStatus::unsolved);
}

TEST_CASE("First-finish takes the first finished sample and cancels the others", "[planner]") {
    Traces t = find_traces();
    Harness h;
    h.task = t.task;
    // Samples 0 and 2 would stream for an hour; sample 1 answers at once.
    auto backend = by_index({{t.a, 1h, {}}, {t.b, {}, {}}, {t.a, 1h, {}}});
    auto outcome = h.solve(*backend, "first-finish", 3);
    REQUIRE(outcome.candidates.size() == 1);
    REQUIRE(outcome.selection.index == 0u);
    REQUIRE(outcome.candidates[0].normalized == t.answer_b);
    h.db->flush_sync();
    int cancelled = 0;
    for (const auto& n : h.db->nodes(h.run)) cancelled += n.status == store::NodeStatus::cancelled;
    REQUIRE(cancelled == 2);
}

TEST_CASE("A task whose every sample fails at the backend is reported failed with the error", "[planner]") {
    Harness h;
    backends::ScriptedReply failing;
    failing.failure = make_error(ErrorCode::backend, "HTTP 503 from server");
    auto backend = by_index({failing});
    auto outcome = h.solve(*backend, "self-consistency", 2);
    REQUIRE(outcome.status == store::TaskStatus::failed);
    REQUIRE(outcome.error.find("HTTP 503") != std::string::npos);
}

TEST_CASE("make_strategy rejects unknown names and bad options", "[planner]") {
    REQUIRE(planner::make_strategy("best-of-n", {}).has_value());
    auto unknown = planner::make_strategy("guess", {});
    REQUIRE_FALSE(unknown.has_value());
    REQUIRE(unknown.error().message.find("best-of-n, self-consistency, first-finish") != std::string::npos);
    REQUIRE_FALSE(planner::make_strategy("best-of-n", sampling_options(0, 10, 1)).has_value());
    REQUIRE_FALSE(planner::make_strategy("best-of-n", sampling_options(2, 0, 1)).has_value());
    REQUIRE_FALSE(planner::make_strategy("best-of-n", sampling_options(2, 10, -1)).has_value());
    REQUIRE(planner::selection_rule_of("self-consistency").value() == "majority");
}
