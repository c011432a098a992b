// The "judge" step scorer (step_scorer.hpp): a model asked whether a partial solution is on a
// right track, read from its first token's logprobs or, without them, from K sampled verdicts.
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "verifiers/step_scorer.hpp"
#include "workers/generation.hpp"

namespace braid::verifiers {

namespace {

using CompletionResult = Result<backends::Completion>;

class JudgeScorer final : public StepScorer {
public:
    explicit JudgeScorer(JudgeOptions options) : options_(options) {}

    std::string_view name() const override { return "judge"; }
    asio::awaitable<Result<StepScore>> score(workers::RunServices& services,
                                             PartialSolution partial) const override;

private:
    // One verdict call, recorded as a "judge" node below the scored node.
    workers::GenerationStep verdict_step(workers::RunServices& services,
                                         const PartialSolution& partial, int index,
                                         bool logprobs) const {
        std::string path = partial.path + "/judge" + std::to_string(index);
        workers::GenerationStep step;
        step.node = services.recorder.create_node(partial.node, path, store::NodeKind::judge,
                                                  "judge " + std::to_string(index));
        step.account = services.ledger.open(partial.account, path);
        step.request.model = services.model;
        step.request.prompt = judge_prompt(partial.prompt, partial.text);
        step.request.sampling.max_tokens = options_.max_tokens;
        step.request.sampling.temperature = options_.temperature;
        step.request.sampling.seed = workers::node_seed(services.run_seed, path);
        step.request.sampling.stop = {"\n"};
        if (logprobs) step.request.sampling.top_logprobs = options_.top_logprobs;
        return step;
    }

    JudgeOptions options_;
};

asio::awaitable<Result<StepScore>> JudgeScorer::score(workers::RunServices& services,
                                                      PartialSolution partial) const {
    StepScore s = grade_partial(partial);
    if (s.accepted) co_return s;  // a verified solution needs no opinion

    CompletionResult first =
        co_await workers::generate(services, verdict_step(services, partial, 0, true));
    if (!first) co_return std::move(first).error();
    s.judge_calls = 1;
    s.judge_usage += first->usage;
    nlohmann::json details{{"logprobs", !first->logprobs.empty()}};
    if (!first->logprobs.empty()) {
        s.score = judge_logprob_score(first->logprobs).value_or(judge_verdict(first->text));
        details["score"] = s.score;
        services.recorder.event(partial.node, "judged", json_text(details));
        co_return s;
    }

    // No logprobs: K sampled verdicts, the first call's text being one of them.
    std::vector<asio::awaitable<CompletionResult>> more;
    for (int k = 1; k < options_.samples; ++k)
        more.push_back(workers::generate(services, verdict_step(services, partial, k, false)));
    std::vector<CompletionResult> rest = co_await async::when_all(std::move(more));
    double sum = judge_verdict(first->text);
    nlohmann::json verdicts = nlohmann::json::array({sum});
    for (CompletionResult& r : rest) {
        if (!r) co_return std::move(r).error();
        ++s.judge_calls;
        s.judge_usage += r->usage;
        double v = judge_verdict(r->text);
        verdicts.push_back(v);
        sum += v;
    }
    s.score = sum / static_cast<double>(verdicts.size());
    details["verdicts"] = verdicts;
    details["score"] = s.score;
    services.recorder.event(partial.node, "judged", json_text(details));
    co_return s;
}

}  // namespace

std::unique_ptr<StepScorer> make_judge_scorer(JudgeOptions options) {
    return std::make_unique<JudgeScorer>(options);
}

}  // namespace braid::verifiers
