#include "verifiers/swe_verification.hpp"

#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "store/store.hpp"
#include "verifiers/apply_check.hpp"
#include "verifiers/candidate_judge.hpp"
#include "verifiers/regression_check.hpp"
#include "verifiers/repro_tests.hpp"

namespace braid::verifiers {

namespace {

namespace sw = tasks::swe;

// What the per-fix checks found for one distinct fix (blocking; on a pool thread).
struct FixChecks {
    std::optional<Result<ApplyVerdict>> apply;
    std::optional<Result<RegressionVerdict>> regression;  // only when it applied
};

FixChecks check_fix(const SweVerifyContext& c, const std::string& fix) {
    FixChecks out;
    out.apply = check_apply(*c.task, fix, *c.sandbox, c.root);
    if (*out.apply && (*out.apply)->applied)
        out.regression = check_regressions(*c.task, fix, *c.base, *c.sandbox, c.root);
    return out;
}

asio::awaitable<FixChecks> check_fix_on_pool(const SweVerifyContext& c, const std::string& fix) {
    auto work = [&c, &fix] { return check_fix(c, fix); };
    auto op = async::run_blocking(*c.pool, std::move(work));
    co_return co_await std::move(op);
}

asio::awaitable<tasks::Grade> grade_on_pool(asio::thread_pool& pool, const VerdictRecorder& verdicts,
                                            const std::string& fix) {
    auto work = [&verdicts, &fix] { return verdicts.kind().grade(verdicts.task(), fix); };
    auto op = async::run_blocking(pool, std::move(work));
    co_return co_await std::move(op);
}

// The node of one per-fix check, finished with its details or failed with the error.
template <typename T>
void finish_check_node(store::RunRecorder& rec, NodeId node, const std::optional<Result<T>>& result) {
    if (!result) {
        rec.set_status(node, store::NodeStatus::skipped,
                       json_text(nlohmann::json{{"reason", "the fix does not apply"}}));
    } else if (*result) {
        rec.set_status(node, store::NodeStatus::finished, json_text((*result)->details()));
    } else {
        rec.set_status(node, store::NodeStatus::failed,
                       json_text(nlohmann::json{{"reason", result->error().describe()}}));
    }
}

// A per-fix verdict's details with the candidate's share of the fix's sandbox time.
nlohmann::json with_share(nlohmann::json details, double wall_ms, std::size_t members) {
    details["wall_ms"] = wall_ms / static_cast<double>(members);
    details["fix_wall_ms"] = wall_ms;
    return details;
}

}  // namespace

asio::awaitable<std::vector<Candidate>> verify_patches(workers::RunServices& services, VerdictRecorder verdicts,
                                                       SweVerifyContext context, std::vector<SubmittedPatch> patches) {
    store::RunRecorder& rec = services.recorder;
    const NodeId task_node = verdicts.node();
    const std::string& task_path = verdicts.path();
    const SweVerifyContext& ctx = context;

    // Distinct fixes, in order of first appearance.
    std::vector<std::string> fixes;
    std::map<std::string, std::size_t> fix_of_key;
    std::vector<std::size_t> fix_of(patches.size());
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < patches.size(); ++i) {
        auto [it, inserted] = fix_of_key.try_emplace(patches[i].key, fixes.size());
        if (inserted) {
            fixes.push_back(patches[i].fix);
            members.push_back(0);
        }
        fix_of[i] = it->second;
        ++members[it->second];
    }

    // Per-fix checks, the repro matrix and the oracle's grades, on the pool.
    std::vector<NodeId> apply_nodes, regression_nodes;
    std::vector<asio::awaitable<FixChecks>> checks;
    for (std::size_t k = 0; k < fixes.size(); ++k) {
        const std::string n = std::to_string(k);
        apply_nodes.push_back(rec.create_node(task_node, task_path + "/verify/a" + n,
                                              store::NodeKind::verify, "apply " + n));
        regression_nodes.push_back(rec.create_node(task_node, task_path + "/verify/r" + n,
                                                   store::NodeKind::verify, "regression " + n));
        rec.set_status(apply_nodes.back(), store::NodeStatus::running);
        rec.set_status(regression_nodes.back(), store::NodeStatus::running);
        checks.push_back(check_fix_on_pool(ctx, fixes[k]));
    }
    std::vector<FixChecks> checked = co_await async::when_all(std::move(checks));
    for (std::size_t k = 0; k < fixes.size(); ++k) {
        finish_check_node(rec, apply_nodes[k], checked[k].apply);
        finish_check_node(rec, regression_nodes[k], checked[k].regression);
    }

    std::vector<ReproTest> tests;
    for (const SubmittedPatch& p : patches)
        if (!p.tests.empty()) tests.push_back(ReproTest{p.node, p.tests});
    std::optional<ReproMatrix> matrix;
    if (!tests.empty()) {
        NodeId node = rec.create_node(task_node, task_path + "/verify/repro",
                                      store::NodeKind::verify, "reproduction tests");
        rec.set_status(node, store::NodeStatus::running);
        auto op = run_repro_matrix(*ctx.pool, *ctx.task, std::move(tests), fixes, *ctx.sandbox, ctx.root);
        auto ran = co_await std::move(op);
        if (ran) {
            nlohmann::json rows = nlohmann::json::array();
            for (std::size_t k = 0; k < fixes.size(); ++k) rows.push_back(ran->signature(k));
            nlohmann::json dropped = nlohmann::json::array();
            for (const ReproTestCheck& t : ran->tests)
                if (!t.kept) dropped.push_back({{"files", t.files}, {"reason", t.reason}});
            rec.set_status(node, store::NodeStatus::finished,
                           json_text(nlohmann::json{{"tests", ran->tests.size()},
                                                    {"kept", ran->kept.size()},
                                                    {"distinguishability", ran->distinguishability},
                                                    {"rows", rows},
                                                    {"dropped", dropped}}));
            matrix = std::move(*ran);
        } else {
            rec.set_status(node, store::NodeStatus::failed,
                           json_text(nlohmann::json{{"reason", ran.error().describe()}}));
        }
    }

    std::vector<asio::awaitable<tasks::Grade>> grades;
    for (const SubmittedPatch& p : patches) grades.push_back(grade_on_pool(*ctx.pool, verdicts, p.fix));
    std::vector<tasks::Grade> graded = co_await async::when_all(std::move(grades));

    // The judge, per candidate (model calls on the task's account).
    std::vector<std::optional<Result<JudgeResult>>> judged(patches.size());
    if (ctx.judge_samples > 0) {
        std::vector<asio::awaitable<Result<JudgeResult>>> calls;
        for (const SubmittedPatch& p : patches) {
            JudgeSubject subject;
            subject.parent = p.node;
            subject.path = p.path;
            subject.account = ctx.account;
            subject.problem = ctx.task->problem_statement;
            subject.candidate = p.fix;
            subject.trajectory = p.trajectory;
            CandidateJudgeOptions options;
            options.samples = ctx.judge_samples;
            calls.push_back(judge_candidate(services, std::move(subject), options));
        }
        std::vector<Result<JudgeResult>> results = co_await async::when_all(std::move(calls));
        for (std::size_t i = 0; i < results.size(); ++i) judged[i] = std::move(results[i]);
    }

    // Candidates and their verdicts.
    std::vector<Candidate> out;
    for (std::size_t i = 0; i < patches.size(); ++i) {
        SubmittedPatch& p = patches[i];
        const std::size_t k = fix_of[i];
        Candidate c =
            verdicts.record_graded_candidate(p.node, std::move(p.fix), p.completion_tokens, graded[i]);
        const FixChecks& fc = checked[k];
        if (fc.apply && *fc.apply)
            verdicts.record_verdict(
                c, apply_verifier, (*fc.apply)->score(), 0.0,
                json_text(with_share((*fc.apply)->details(), (*fc.apply)->wall_ms, members[k])));
        if (fc.regression && *fc.regression && (*fc.regression)->applied)
            verdicts.record_verdict(c, regression_verifier, (*fc.regression)->score(), 0.0,
                                    json_text(with_share((*fc.regression)->details(),
                                                         (*fc.regression)->wall_ms, members[k])));
        if (matrix && !matrix->kept.empty()) {
            c.repro_signature = matrix->signature(k);
            verdicts.record_verdict(
                c, repro_verifier, static_cast<double>(matrix->votes(k)), 0.0,
                json_text(with_share(matrix->details(k), matrix->fix_wall_ms[k], members[k])));
        }
        if (judged[i] && *judged[i]) {
            const JudgeResult& j = **judged[i];
            nlohmann::json details = nlohmann::json::parse(j.details_json, nullptr, false);
            if (!details.is_object()) details = nlohmann::json::object();
            details["calls"] = j.calls;
            details["tokens"] = j.usage.total_tokens();
            verdicts.record_verdict(c, judge_verifier, j.score, j.cost_usd, json_text(details));
        } else if (judged[i]) {
            rec.event(p.node, "judge_failed",
                      json_text(nlohmann::json{{"reason", judged[i]->error().describe()}}));
        }
        verdicts.record_verdict(
            c, length_verifier, -static_cast<double>(p.completion_tokens), 0.0,
            json_text(nlohmann::json{{"completion_tokens", p.completion_tokens}}));
        out.push_back(std::move(c));
    }
    co_return out;
}

}  // namespace braid::verifiers
