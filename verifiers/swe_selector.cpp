#include "verifiers/swe_selector.hpp"

#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "store/store.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/selector_scripts.hpp"

namespace braid::verifiers {

namespace {

constexpr std::size_t kShown = 3;

// Up to `count` distinct fixes in `rule`'s order of preference: each is a representative index.
std::vector<std::size_t> top_fixes(const std::vector<Candidate>& candidates, std::string_view rule,
                                   std::size_t count) {
    std::vector<std::size_t> chosen;
    std::vector<Candidate> rest = candidates;
    std::vector<std::size_t> index_of(candidates.size());
    for (std::size_t i = 0; i < index_of.size(); ++i) index_of[i] = i;
    while (chosen.size() < count && !rest.empty()) {
        auto pick = select_by_rule(rule, rest);
        if (!pick || !pick->index) break;
        const std::string key = rest[*pick->index].normalized;
        chosen.push_back(index_of[*pick->index]);
        std::vector<Candidate> kept;
        std::vector<std::size_t> kept_index;
        for (std::size_t i = 0; i < rest.size(); ++i) {
            if (rest[i].normalized == key) continue;
            kept.push_back(std::move(rest[i]));
            kept_index.push_back(index_of[i]);
        }
        rest = std::move(kept);
        index_of = std::move(kept_index);
    }
    return chosen;
}

asio::awaitable<Result<std::vector<ScriptRun>>> run_scripts(SweVerifyContext context,
                                                                        std::vector<std::string> fixes,
                                                                        std::string script) {
    auto work = [&context, &fixes, &script] {
        return run_script_on_fixes(*context.task, fixes, script, *context.sandbox, context.root);
    };
    auto op = async::run_blocking(*context.pool, std::move(work));
    co_return co_await std::move(op);
}

}  // namespace

asio::awaitable<void> run_selection_thread(workers::RunServices& services, VerdictRecorder verdicts,
                                           SweVerifyContext context, std::string_view rule,
                                           std::vector<Candidate>& candidates) {
    store::RunRecorder& rec = services.recorder;
    std::vector<std::size_t> top = top_fixes(candidates, rule, kShown);
    if (top.size() < 2) co_return;

    SelectorSubject subject;
    subject.path = verdicts.path() + "/selector";
    const NodeId node =
        rec.create_node(verdicts.node(), subject.path, store::NodeKind::verify, "selection thread");
    subject.parent = node;
    subject.account = context.account;
    subject.problem = context.task->problem_statement;
    for (std::size_t i : top) subject.fixes.push_back(candidates[i].output);
    rec.set_status(subject.parent, store::NodeStatus::running);

    std::vector<std::string> fixes = subject.fixes;
    ScriptRunner runner = [context, fixes](std::string script) {
        return run_scripts(context, fixes, std::move(script));
    };
    auto op = run_selector(services, std::move(subject), std::move(runner));
    auto result = co_await std::move(op);
    if (!result) {
        rec.set_status(node, store::NodeStatus::failed,
                       json_text(nlohmann::json{{"reason", result.error().describe()}}));
        co_return;
    }
    nlohmann::json details{{"turns", result->turns},       {"tests_run", result->tests_run},
                           {"reason", result->reason},     {"shown", top.size()},
                           {"tokens", result->usage.total_tokens()}, {"test_wall_ms", result->test_wall_ms}};
    if (!result->chosen) {
        rec.set_status(node, store::NodeStatus::finished, json_text(details));
        co_return;
    }
    const std::string chosen_key = candidates[top[*result->chosen]].normalized;
    details["chosen"] = *result->chosen + 1;
    rec.set_status(node, store::NodeStatus::finished, json_text(details));
    // Every candidate of the shown fixes gets a verdict; the thread's cost is split over them.
    std::vector<std::size_t> shown;
    for (std::size_t i = 0; i < candidates.size(); ++i)
        for (std::size_t t : top)
            if (candidates[i].normalized == candidates[t].normalized) shown.push_back(i);
    const double share = 1.0 / static_cast<double>(shown.size());
    for (std::size_t i : shown) {
        Candidate& c = candidates[i];
        const double score = c.normalized == chosen_key ? 1.0 : 0.0;
        nlohmann::json d = details;
        d["wall_ms"] = result->test_wall_ms * share;
        verdicts.record_verdict(c, selector_verifier, score, result->cost_usd * share,
                                json_text(d));
    }
}

}  // namespace braid::verifiers
