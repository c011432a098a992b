#include "verifiers/step_scorer.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "tasks/countdown/partial_trace.hpp"
#include "tasks/countdown/problem.hpp"

namespace braid::verifiers {

namespace {

constexpr double kNeutral = 0.5;

// The Countdown partial-trace analysis of `text`, when the task is a valid Countdown row.
std::optional<tasks::countdown::PartialTrace> countdown_partial(const tasks::Task& task,
                                                                const tasks::TaskKind& kind,
                                                                std::string_view text) {
    if (kind.name() != tasks::countdown::kKind) return std::nullopt;
    auto problem = tasks::countdown::problem_from_task(task);
    if (!problem) return std::nullopt;
    return tasks::countdown::score_partial_trace(*problem, text);
}

class CheckerScorer final : public StepScorer {
public:
    std::string_view name() const override { return "checker"; }
    asio::awaitable<Result<StepScore>> score(workers::RunServices&,
                                             PartialSolution partial) const override {
        StepScore s = grade_partial(partial);
        if (!s.accepted)
            s.score = partial_checker_score(*partial.task, *partial.kind, partial.text);
        co_return s;
    }
};

class HeuristicScorer final : public StepScorer {
public:
    std::string_view name() const override { return "heuristic"; }
    asio::awaitable<Result<StepScore>> score(workers::RunServices&,
                                             PartialSolution partial) const override {
        StepScore s = grade_partial(partial);
        if (!s.accepted)
            s.score = partial_heuristic_score(*partial.task, *partial.kind, partial.text);
        co_return s;
    }
};

std::string lowered_word(std::string_view text) {
    std::size_t start = 0;
    while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
    std::string word;
    for (std::size_t i = start;
         i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])); ++i)
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    return word;
}

}  // namespace

StepScore grade_partial(const PartialSolution& partial) {
    tasks::Grade grade = partial.kind->grade(*partial.task, partial.text);
    StepScore s;
    s.accepted = grade.correct;
    s.normalized = grade.normalized;
    s.reason = grade.reason;
    s.score = grade.correct ? 1.0 : 0.0;
    return s;
}

double partial_checker_score(const tasks::Task& task, const tasks::TaskKind& kind,
                             std::string_view text) {
    auto partial = countdown_partial(task, kind, text);
    if (!partial) return kNeutral;
    return partial->valid ? kNeutral : 0.0;
}

double partial_heuristic_score(const tasks::Task& task, const tasks::TaskKind& kind,
                               std::string_view text) {
    auto partial = countdown_partial(task, kind, text);
    if (!partial) return kNeutral;
    return partial->score;
}

std::string judge_prompt(std::string_view task_prompt, std::string_view text) {
    return "You check partial solutions.\n\nTask:\n" + std::string(task_prompt) +
           "\n\nPartial solution:\n" + std::string(text) +
           "\n\nIs this partial solution on a right track? Answer Yes or No.\nAnswer:";
}

std::optional<double> judge_logprob_score(const std::vector<backends::TokenLogprob>& logprobs) {
    if (logprobs.empty()) return std::nullopt;
    const backends::TokenLogprob& first = logprobs.front();
    // The chosen token and its alternatives; each distinct token text counts once.
    std::vector<std::pair<std::string, double>> seen{{first.token, first.logprob}};
    for (const auto& alt : first.top)
        if (std::none_of(seen.begin(), seen.end(),
                         [&](const auto& s) { return s.first == alt.first; }))
            seen.push_back(alt);
    double yes = 0, no = 0;
    for (const auto& [token, logprob] : seen) {
        std::string word = lowered_word(token);
        std::string_view trimmed = token;
        while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
            trimmed.remove_prefix(1);
        if (word.size() != trimmed.size()) continue;  // only whole-word tokens: "Yes", " no"
        if (word == "yes") yes += std::exp(logprob);
        if (word == "no") no += std::exp(logprob);
    }
    if (yes + no <= 0) return std::nullopt;
    return yes / (yes + no);
}

double judge_verdict(std::string_view text) {
    std::string word = lowered_word(text);
    if (word == "yes") return 1.0;
    if (word == "no") return 0.0;
    return kNeutral;
}

Result<std::unique_ptr<StepScorer>> make_step_scorer(std::string_view name, JudgeOptions judge) {
    if (name == "checker") return std::unique_ptr<StepScorer>(std::make_unique<CheckerScorer>());
    if (name == "heuristic")
        return std::unique_ptr<StepScorer>(std::make_unique<HeuristicScorer>());
    if (name == "judge") return make_judge_scorer(judge);
    return make_error(ErrorCode::invalid_input, "unknown scorer '" + std::string(name) +
                                                    "' (known: checker, heuristic, judge)");
}

}  // namespace braid::verifiers
