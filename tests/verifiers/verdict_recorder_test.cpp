// The one recorder of candidates, verdicts and selection (verifiers/verdict_recorder.hpp), over a
// temp-file store and a task kind that accepts the output "yes".
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"
#include "verifiers/verdict_recorder.hpp"

using namespace braid;
using store::TaskStatus;

namespace {

// Accepts exactly "yes"; the normalized key is the output itself. `hidden` makes it an oracle.
class YesKind final : public tasks::TaskKind {
public:
    explicit YesKind(bool hidden) : hidden_(hidden) {}
    std::string_view name() const override { return "yes"; }
    Result<void> validate(const tasks::Task&) const override { return {}; }
    std::string prompt(const tasks::Task&) const override { return "Say yes."; }
    tasks::Grade grade(const tasks::Task&, std::string_view output) const override {
        return tasks::Grade{output == "yes", std::string(output), output == "yes" ? "ok" : "not yes"};
    }
    bool grade_is_hidden() const override { return hidden_; }

private:
    bool hidden_;
};

struct Harness {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "v.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    tasks::Task task{"y-1", "yes", nlohmann::json{{"id", "y-1"}, {"kind", "yes"}}};
    YesKind kind;
    NodeId task_node = rec.create_node(NodeId{0}, "t/y-1", store::NodeKind::task, "y-1");
    verifiers::VerdictRecorder verdicts{rec, task, kind, task_node, "t/y-1"};

    explicit Harness(bool hidden = false) : kind(hidden) {}

    NodeId thread(int i) {
        return rec.create_node(task_node, "t/y-1/s" + std::to_string(i), store::NodeKind::thread,
                               "sample");
    }
    std::vector<store::VerdictRecord> verdict_rows() {
        db->flush_sync();
        return db->verdicts(run);
    }
    nlohmann::json selected_event() {
        db->flush_sync();
        for (const store::EventRecord& e : db->events(run))
            if (e.type == "selected") return nlohmann::json::parse(e.payload_json);
        FAIL("no selected event");
        return {};
    }
    store::NodeRecord node(std::string_view path) {
        db->flush_sync();
        for (const store::NodeRecord& n : db->nodes(run))
            if (n.path == path) return n;
        FAIL("no node " << path);
        return {};
    }
};

}  // namespace

TEST_CASE("VerdictRecorder grades and stores a candidate, then each verdict with its cost and details",
          "[verifiers][verdicts]") {
    Harness h;
    const NodeId s0 = h.thread(0);
    verifiers::Candidate c = h.verdicts.record_candidate(s0, "yes", 7);
    REQUIRE(c.normalized == "yes");
    REQUIRE(c.completion_tokens == 7);
    REQUIRE(c.score(verifiers::checker_verifier) == 1.0);
    h.verdicts.record_verdict(c, verifiers::judge_verifier, 0.75, 0.002, R"({"calls":1})");
    h.verdicts.record_verdict(c, verifiers::length_verifier, -7);
    REQUIRE(c.score(verifiers::judge_verifier) == 0.75);

    h.db->flush_sync();
    auto candidates = h.db->candidates(h.run);
    REQUIRE(candidates.size() == 1);
    REQUIRE(candidates[0] == store::CandidateRecord{h.run, s0, "y-1", "yes", "yes"});
    auto rows = h.verdict_rows();
    REQUIRE(rows.size() == 3);
    REQUIRE(rows[0].verifier == "checker");
    REQUIRE(rows[0].score == 1.0);
    REQUIRE(nlohmann::json::parse(rows[0].details_json)["reason"] == "ok");
    REQUIRE(rows[1] == store::VerdictRecord{h.run, s0, "y-1", "judge", 0.75, 0.002, R"({"calls":1})"});
    REQUIRE(rows[2] == store::VerdictRecord{h.run, s0, "y-1", "length", -7, 0.0, "{}"});
}

TEST_CASE("A kind whose grade is hidden gets an oracle verdict, and a grade given beforehand is used as is",
          "[verifiers][verdicts]") {
    Harness h(true);
    verifiers::Candidate c =
        h.verdicts.record_graded_candidate(h.thread(0), "no", 3, tasks::Grade{true, "patch-key", "hidden tests pass"});
    REQUIRE(c.normalized == "patch-key");
    REQUIRE(c.score(verifiers::oracle_verifier) == 1.0);
    REQUIRE_FALSE(c.score(verifiers::checker_verifier));
    auto rows = h.verdict_rows();
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0].verifier == "oracle");
}

TEST_CASE("select records a join node with an edge from each thread, the selected event and a solved status",
          "[verifiers][verdicts]") {
    Harness h;
    const NodeId s0 = h.thread(0), s1 = h.thread(1), s2 = h.thread(2);
    verifiers::TaskVerdict verdict;
    verdict.candidates.push_back(h.verdicts.record_candidate(s0, "no", 5));
    verdict.candidates.push_back(h.verdicts.record_candidate(s1, "yes", 9));
    h.verdicts.select({.rule = "best-score:checker",
                       .label = "best-of-n",
                       .joined = {s0, s1, s2},
                       .fallback = {TaskStatus::budget_exhausted, "not used when solved"},
                       .event = nlohmann::json{{"metrics", {{"threads", 3}}}}},
                      verdict);

    REQUIRE(verdict.status == TaskStatus::solved);
    REQUIRE(verdict.error.empty());
    REQUIRE(verdict.selection.index == 1u);
    const store::NodeRecord join = h.node("t/y-1/select");
    REQUIRE(join.kind == store::NodeKind::join);
    REQUIRE(join.label == "best-of-n");
    REQUIRE(join.parent == h.task_node);
    REQUIRE(join.status == store::NodeStatus::finished);
    std::vector<NodeId> joined;
    for (const store::EdgeRecord& e : h.db->edges(h.run))
        if (e.kind == store::EdgeKind::join && e.dst == join.id) joined.push_back(e.src);
    REQUIRE(joined == std::vector<NodeId>{s0, s1, s2});
    nlohmann::json event = h.selected_event();
    REQUIRE(event["rule"] == "best-score:checker");
    REQUIRE(event["status"] == "solved");
    REQUIRE(event["candidates"] == 2);
    REQUIRE(event["node"] == s1.value);
    REQUIRE(event["answer"] == "yes");
    REQUIRE(event["metrics"]["threads"] == 3);
}

TEST_CASE("select falls back to the caller's status and error when the chosen candidate is wrong or none exists",
          "[verifiers][verdicts]") {
    SECTION("a wrong candidate") {
        Harness h;
        verifiers::TaskVerdict verdict;
        verdict.candidates.push_back(h.verdicts.record_candidate(h.thread(0), "no", 5));
        const std::string kept = "budget exhausted; the best candidate so far is kept";
        h.verdicts.select({.rule = "best-score:checker",
                           .label = "refine",
                           .joined = {},
                           .fallback = {TaskStatus::budget_exhausted, kept}},
                          verdict);
        REQUIRE(verdict.selection.index == 0u);
        REQUIRE(verdict.status == TaskStatus::budget_exhausted);
        REQUIRE(verdict.error == kept);
        REQUIRE(h.selected_event()["status"] == "budget_exhausted");
    }
    SECTION("no candidate, and a join node that ends failed") {
        Harness h;
        verifiers::TaskVerdict verdict;
        h.verdicts.select({.rule = "best-score:checker",
                           .label = "llmcompiler",
                           .joined = {},
                           .fallback = {TaskStatus::failed, "planner call failed"},
                           .event = nlohmann::json{{"error", "planner call failed"}},
                           .failed = true},
                          verdict);
        REQUIRE_FALSE(verdict.selection.index);
        REQUIRE(verdict.status == TaskStatus::failed);
        REQUIRE(verdict.error == "planner call failed");
        nlohmann::json event = h.selected_event();
        REQUIRE(event["error"] == "planner call failed");
        REQUIRE_FALSE(event.contains("node"));
        REQUIRE(h.node("t/y-1/select").status == store::NodeStatus::failed);
    }
}

TEST_CASE("A shortfall says why threads left no candidate: budget first, then the last error other than "
          "cancellation",
          "[verifiers][verdicts]") {
    verifiers::Shortfall none;
    REQUIRE(none.fallback(0).status == TaskStatus::unsolved);

    verifiers::Shortfall failed;
    failed.note(make_error(ErrorCode::backend, "HTTP 500"));
    failed.note(make_error(ErrorCode::cancelled, "cancelled"));
    REQUIRE(failed.fallback(0).status == TaskStatus::failed);
    REQUIRE(failed.fallback(0).error == make_error(ErrorCode::backend, "HTTP 500").describe());
    REQUIRE(failed.fallback(2).status == TaskStatus::unsolved);  // candidates exist: nothing to explain
    REQUIRE(failed.fallback(2).error.empty());

    verifiers::Shortfall refused;
    refused.note_thread(workers::ThreadStatus::failed, "malformed output");
    refused.note_thread(workers::ThreadStatus::budget_exhausted, "ledger refused");
    REQUIRE(refused.budget_refused);
    REQUIRE(refused.last_error == "malformed output");
    REQUIRE(refused.fallback(0).status == TaskStatus::budget_exhausted);
    REQUIRE(refused.fallback(0).error == "budget exhausted before any thread finished");
}
