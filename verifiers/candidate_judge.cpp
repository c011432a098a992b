// The execution-free judge of a finished candidate (candidate_judge.hpp). It reads the score the
// way the step judge does (step_scorer.hpp: judge_logprob_score, judge_verdict); only the prompt
// and what is judged differ.
#include "verifiers/candidate_judge.hpp"

#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "verifiers/step_scorer.hpp"
#include "workers/generation.hpp"

namespace braid::verifiers {

namespace {

using CompletionResult = Result<backends::Completion>;

// A unified diff, by its headers: such a candidate is asked about as a patch.
bool looks_like_patch(std::string_view text) {
    return text.starts_with("diff --git") || text.find("\ndiff --git") != std::string_view::npos ||
           (text.find("--- ") != std::string_view::npos && text.find("\n+++ ") != std::string_view::npos &&
            text.find("\n@@") != std::string_view::npos);
}

// The last `chars` bytes of `text`, moved forward to a UTF-8 character boundary.
std::string_view tail(std::string_view text, std::size_t chars) {
    if (text.size() <= chars) return text;
    std::size_t start = text.size() - chars;
    while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
    return text.substr(start);
}

// One verdict call: a "judge" node below the subject's parent, on its own ledger account.
workers::GenerationStep judge_step(workers::RunServices& services, const JudgeSubject& subject,
                                   const CandidateJudgeOptions& options, const std::string& prompt, int index,
                                   bool logprobs) {
    std::string path = subject.path + "/judge" + std::to_string(index);
    workers::GenerationStep step;
    step.node = services.recorder.create_node(subject.parent, path, store::NodeKind::judge,
                                              "judge " + std::to_string(index));
    step.account = services.ledger.open(subject.account, path);
    step.request.model = services.model;
    step.request.prompt = prompt;
    step.request.sampling.max_tokens = options.max_tokens;
    step.request.sampling.temperature = options.temperature;
    step.request.sampling.seed = workers::node_seed(services.run_seed, path);
    step.request.sampling.stop = {"\n"};
    if (logprobs) step.request.sampling.top_logprobs = options.top_logprobs;
    step.request.origin = path;
    return step;
}

// Adds a finished call's usage and cost (what the ledger was charged for it) to `result`.
void add_call(const workers::RunServices& services, const backends::CompletionRequest& request,
              const backends::Completion& completion, JudgeResult& result) {
    ++result.calls;
    result.usage += completion.usage;
    Usage billed = completion.usage;
    billed += completion.failed_attempts_usage;
    result.cost_usd += workers::actual_cost(services, request, billed)[BudgetUnit::usd];
}

}  // namespace

std::string candidate_judge_prompt(const JudgeSubject& subject, std::size_t trajectory_chars) {
    const bool patch = looks_like_patch(subject.candidate);
    std::string p = "You judge whether a proposed solution to a problem is correct.\n\nProblem:\n";
    p += subject.problem;
    p += patch ? "\n\nProposed patch:\n" : "\n\nProposed answer:\n";
    p += subject.candidate;
    if (trajectory_chars > 0 && !subject.trajectory.empty()) {
        std::string_view shown = tail(subject.trajectory, trajectory_chars);
        p += "\n\nHow it was reached";
        p += shown.size() < subject.trajectory.size() ? " (the end of the work):\n..." : ":\n";
        p += shown;
    }
    p += patch ? "\n\nDoes this patch correctly solve the problem? Answer Yes or No.\nAnswer:"
               : "\n\nIs this answer correct? Answer Yes or No.\nAnswer:";
    return p;
}

asio::awaitable<Result<JudgeResult>> judge_candidate(workers::RunServices& services, JudgeSubject subject,
                                                     CandidateJudgeOptions options) {
    const std::string prompt = candidate_judge_prompt(subject, options.trajectory_chars);
    JudgeResult result;

    workers::GenerationStep first_step = judge_step(services, subject, options, prompt, 0, true);
    const backends::CompletionRequest first_request = first_step.request;
    CompletionResult first = co_await workers::generate(services, std::move(first_step));
    if (!first) co_return std::move(first).error();
    add_call(services, first_request, *first, result);

    nlohmann::json verdicts = nlohmann::json::array();
    if (!first->logprobs.empty()) {
        result.from_logprobs = true;
        result.score = judge_logprob_score(first->logprobs).value_or(judge_verdict(first->text));
    } else {
        // No logprobs: `samples` sampled verdicts, the first call's text being one of them.
        std::vector<backends::CompletionRequest> requests;
        std::vector<asio::awaitable<CompletionResult>> more;
        for (int k = 1; k < options.samples; ++k) {
            workers::GenerationStep step = judge_step(services, subject, options, prompt, k, false);
            requests.push_back(step.request);
            more.push_back(workers::generate(services, std::move(step)));
        }
        std::vector<CompletionResult> rest = co_await async::when_all(std::move(more));
        double sum = judge_verdict(first->text);
        verdicts.push_back(sum);
        for (std::size_t i = 0; i < rest.size(); ++i) {
            if (!rest[i]) co_return std::move(rest[i]).error();
            add_call(services, requests[i], *rest[i], result);
            double v = judge_verdict(rest[i]->text);
            verdicts.push_back(v);
            sum += v;
        }
        result.score = sum / static_cast<double>(verdicts.size());
    }
    nlohmann::json details{{"logprobs", result.from_logprobs},
                           {"verdicts", verdicts},
                           {"score", result.score},
                           {"calls", result.calls}};
    result.details_json = json_text(details);
    services.recorder.event(subject.parent, "judged", result.details_json);
    co_return result;
}

}  // namespace braid::verifiers
