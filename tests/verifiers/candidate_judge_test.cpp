// The execution-free candidate judge (verifiers/candidate_judge.hpp) over the scripted backend,
// and the confidence verifier.
#include <catch2/catch.hpp>

#include <cmath>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"
#include "verifiers/candidate_judge.hpp"
#include "verifiers/confidence.hpp"
#include "workers/generation.hpp"

using namespace braid;

namespace {

constexpr std::uint64_t kRunSeed = 11;

struct JudgeHarness {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "j.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;
    NodeId sample = rec.create_node(NodeId{0}, "t/x/s0", store::NodeKind::sample, "sample 0");

    explicit JudgeHarness(Amount limit = Amount::unlimited()) : ledger(limit) {}

    verifiers::JudgeSubject subject() {
        verifiers::JudgeSubject s;
        s.parent = sample;
        s.path = "t/x/s0";
        s.account = ledger.open(ledger.root(), "t/x/s0");
        s.problem = "What is 6 times 7?";
        s.candidate = "42";
        s.trajectory = "6 * 7 = 42";
        return s;
    }
    Result<verifiers::JudgeResult> judge(backends::Backend& backend, verifiers::CandidateJudgeOptions o = {},
                                         PriceTable prices = {}) {
        workers::RunServices services{rec, backend, ledger, log, kRunSeed, "", std::move(prices)};
        return async::run_sync(io, verifiers::judge_candidate(services, subject(), o));
    }
    std::vector<store::NodeRecord> judge_nodes() {
        db->flush_sync();
        std::vector<store::NodeRecord> out;
        for (auto& n : db->nodes(run))
            if (n.kind == store::NodeKind::judge) out.push_back(n);
        return out;
    }
    // The text a node streamed, from its `tokens` events.
    std::string streamed(NodeId node) {
        std::string text;
        for (const store::EventRecord& e : db->events(run))
            if (e.node == node && e.type == "tokens") text += nlohmann::json::parse(e.payload_json)["text"];
        return text;
    }
};

std::unique_ptr<backends::ScriptedBackend> script(const char* json_text) {
    auto backend = backends::ScriptedBackend::from_json(nlohmann::json::parse(json_text));
    REQUIRE(backend.has_value());
    return std::move(*backend);
}

}  // namespace

TEST_CASE("The candidate judge reads P(yes) from the first token's logprobs in one call",
          "[verifiers][judge]") {
    JudgeHarness h;
    auto backend = script(R"({"default": {"text": "Yes", "top_logprobs": {"Yes": -0.1, "No": -2.4}}})");
    PriceTable prices;
    prices.set("*", ModelPrice{1.0, 2.0, 0.5});
    auto r = h.judge(*backend, {}, prices);
    REQUIRE(r.has_value());
    // exp(-0.1) / (exp(-0.1) + exp(-2.4)) = 0.904837 / 0.995555
    CHECK(r->score == Approx(0.908877).epsilon(1e-5));
    CHECK(r->from_logprobs);
    CHECK(r->calls == 1);
    CHECK(backend->calls() == 1);
    auto details = nlohmann::json::parse(r->details_json);
    CHECK(details["logprobs"] == true);
    CHECK(details["score"].get<double>() == Approx(r->score));

    auto nodes = h.judge_nodes();
    REQUIRE(nodes.size() == 1);
    CHECK(nodes[0].path == "t/x/s0/judge0");
    CHECK(nodes[0].parent == h.sample);
    CHECK(nodes[0].status == store::NodeStatus::finished);
    CHECK(nodes[0].usage == r->usage);
    CHECK(r->usage.completion_tokens == 1);
    CHECK(r->usage.prompt_tokens > 0);
    // USD per million tokens: 1 per prompt token, 2 per completion token.
    const double expected_usd =
        (static_cast<double>(r->usage.prompt_tokens) * 1.0 + static_cast<double>(r->usage.completion_tokens) * 2.0) /
        1e6;
    CHECK(r->cost_usd == Approx(expected_usd));
    CHECK(nodes[0].cost_usd == Approx(expected_usd));
    CHECK(h.streamed(nodes[0].id) == "Yes");
    CHECK(h.ledger.spent(h.ledger.root())[BudgetUnit::tokens] ==
          static_cast<double>(r->usage.total_tokens()));
}

TEST_CASE("Without logprobs the candidate judge averages three sampled verdicts",
          "[verifiers][judge]") {
    JudgeHarness h;
    // One verdict per judge call, told apart by the calling node's path.
    auto backend = script(R"({"replies": [{"origin": "/judge0$", "text": "Yes"},
                                          {"origin": "/judge1$", "text": "No"},
                                          {"origin": "/judge2$", "text": " yes, it is\nmore"}],
                              "default": {"text": "unexpected"}})");
    auto r = h.judge(*backend);
    REQUIRE(r.has_value());
    CHECK(r->score == Approx(2.0 / 3.0));
    CHECK_FALSE(r->from_logprobs);
    CHECK(r->calls == 3);
    auto details = nlohmann::json::parse(r->details_json);
    CHECK(details["logprobs"] == false);
    CHECK(details["verdicts"] == nlohmann::json::array({1.0, 0.0, 1.0}));

    auto nodes = h.judge_nodes();
    REQUIRE(nodes.size() == 3);
    Usage total;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        CHECK(nodes[k].path == "t/x/s0/judge" + std::to_string(k));
        CHECK(nodes[k].parent == h.sample);
        CHECK(nodes[k].status == store::NodeStatus::finished);
        total += nodes[k].usage;
    }
    CHECK(total == r->usage);
    CHECK(h.streamed(nodes[0].id) == "Yes");
    CHECK(h.streamed(nodes[1].id) == "No");
    CHECK(h.streamed(nodes[2].id) == " yes, it is");  // cut at the newline stop
    CHECK(r->cost_usd == 0);  // no price table: free
}

TEST_CASE("The candidate judge's calls are seeded from their paths and ask for logprobs first",
          "[verifiers][judge]") {
    JudgeHarness h;
    std::vector<backends::CompletionRequest> seen;
    backends::ScriptedBackend backend([&seen](const backends::CompletionRequest& r, std::size_t) {
        seen.push_back(r);
        return backends::ScriptedReply{"No", {}, {}};
    });
    verifiers::CandidateJudgeOptions o;
    o.samples = 2;
    o.top_logprobs = 4;
    o.max_tokens = 6;
    auto r = h.judge(backend, o);
    REQUIRE(r.has_value());
    CHECK(r->score == 0);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].sampling.top_logprobs == 4);
    CHECK(seen[1].sampling.top_logprobs == -1);
    for (std::size_t k = 0; k < seen.size(); ++k) {
        std::string path = "t/x/s0/judge" + std::to_string(k);
        CHECK(seen[k].sampling.seed == workers::node_seed(kRunSeed, path));
        CHECK(seen[k].sampling.max_tokens == 6);
        CHECK(seen[k].prompt == verifiers::candidate_judge_prompt(h.subject(), o.trajectory_chars));
    }
}

TEST_CASE("A ledger that refuses the judge's call makes the judge fail with budget_exhausted",
          "[verifiers][judge]") {
    Amount limit = Amount::unlimited();
    limit[BudgetUnit::tokens] = 5;  // less than the judge prompt alone
    JudgeHarness h(limit);
    auto backend = script(R"({"default": {"text": "Yes"}})");
    auto r = h.judge(*backend);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::budget_exhausted);
    CHECK(backend->calls() == 0);
    auto nodes = h.judge_nodes();
    REQUIRE(nodes.size() == 1);
    CHECK(nodes[0].status == store::NodeStatus::skipped);
}

TEST_CASE("The candidate judge's prompt shows the problem, the candidate and the trajectory's tail",
          "[verifiers][judge]") {
    verifiers::JudgeSubject s;
    s.problem = "Fix the off-by-one in range().";
    s.candidate = "42";
    s.trajectory = "first I tried 41, then 42 worked";

    std::string answer = verifiers::candidate_judge_prompt(s, 4000);
    CHECK(answer.find("Fix the off-by-one in range().") != std::string::npos);
    CHECK(answer.find("Proposed answer:\n42") != std::string::npos);
    CHECK(answer.find("first I tried 41, then 42 worked") != std::string::npos);
    CHECK(answer.ends_with("Answer Yes or No.\nAnswer:"));

    std::string short_tail = verifiers::candidate_judge_prompt(s, 9);
    CHECK(short_tail.find("...42 worked") != std::string::npos);
    CHECK(short_tail.find("first I tried") == std::string::npos);

    std::string no_tail = verifiers::candidate_judge_prompt(s, 0);
    CHECK(no_tail.find("first I tried") == std::string::npos);
    CHECK(no_tail.find("How it was reached") == std::string::npos);

    s.candidate = "diff --git a/r.py b/r.py\n--- a/r.py\n+++ b/r.py\n@@ -1 +1 @@\n-x\n+y\n";
    std::string patch = verifiers::candidate_judge_prompt(s, 0);
    CHECK(patch.find("Proposed patch:\ndiff --git") != std::string::npos);
    CHECK(patch.find("Does this patch correctly solve the problem? Answer Yes or No.\nAnswer:") !=
          std::string::npos);
}

TEST_CASE("Confidence is the mean token logprob, absent without logprobs", "[verifiers][confidence]") {
    CHECK_FALSE(verifiers::mean_logprob({}).has_value());
    std::vector<backends::TokenLogprob> lps{{"a", -0.5, {}}, {"b", -1.0, {}}, {"c", -1.5, {{"d", -0.2}}}};
    CHECK(verifiers::mean_logprob(lps).value() == Approx(-1.0));
}
