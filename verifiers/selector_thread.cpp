#include "verifiers/selector_thread.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "store/run_recorder.hpp"
#include "workers/generation.hpp"

namespace braid::verifiers {

namespace {

constexpr std::string_view kFormatReminder =
    "\nReply with exactly one block: <test>...</test> to run a test script, or <choose>N</choose>.\n";

std::string tail(const std::string& text, std::size_t chars) {
    if (text.size() <= chars) return text;
    return "..." + text.substr(text.size() - chars);
}

// What the model reads after a test ran: each run's exit code and output tail.
std::string describe_runs(const std::vector<ScriptRun>& runs, std::size_t output_chars) {
    std::string out = "\nTest results:\n";
    for (std::size_t i = 0; i < runs.size(); ++i) {
        out += i == 0 ? "- original code (no fix)" : "- candidate " + std::to_string(i);
        out += ": exit " + std::to_string(runs[i].exit_code) + "\n";
        if (!runs[i].output.empty()) out += tail(runs[i].output, output_chars) + "\n";
    }
    return out + "\n";
}

std::optional<std::string_view> between(std::string_view text, std::string_view open, std::string_view close) {
    std::size_t start = text.find(open);
    if (start == std::string_view::npos) return std::nullopt;
    start += open.size();
    std::size_t end = text.find(close, start);
    if (end == std::string_view::npos) return std::nullopt;
    return text.substr(start, end - start);
}

}  // namespace

std::string selector_prompt(const SelectorSubject& subject) {
    std::string p =
        "You are choosing the best fix for a software issue among several candidates. Some candidates "
        "may be wrong. You may write a standalone Python test script to tell them apart; it is run on the "
        "original code and on each candidate, and you see the exit codes. The script must exit 0 when the "
        "issue is solved, 2 when it is not, and 1 if it crashes.\n\n"
        "Reply with exactly one block per turn:\n<test>\n...python script...\n</test>\nor\n<choose>N</choose>\n\n"
        "Issue:\n";
    p += subject.problem;
    p += "\n\n";
    for (std::size_t i = 0; i < subject.fixes.size(); ++i)
        p += "Candidate " + std::to_string(i + 1) + ":\n```diff\n" + subject.fixes[i] + "\n```\n\n";
    return p + "Your reply:\n";
}

std::optional<std::size_t> parse_choice(std::string_view reply, std::size_t candidates) {
    auto body = between(reply, "<choose>", "</choose>");
    if (!body) return std::nullopt;
    std::string_view s = *body;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.remove_suffix(1);
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || end != s.data() + s.size() || n < 1 || n > candidates) return std::nullopt;
    return n - 1;
}

std::optional<std::string> parse_test(std::string_view reply) {
    auto body = between(reply, "<test>", "</test>");
    if (!body) return std::nullopt;
    std::string_view s = *body;
    if (s.starts_with("\n")) s.remove_prefix(1);
    if (s.find_first_not_of(" \n\t") == std::string_view::npos) return std::nullopt;
    return std::string(s);
}

asio::awaitable<Result<SelectorResult>> run_selector(workers::RunServices& services, SelectorSubject subject,
                                                     ScriptRunner runner, SelectorOptions options) {
    store::RunRecorder& rec = services.recorder;
    SelectorResult result;
    std::string text = selector_prompt(subject);
    bool reminded = false;
    for (int turn = 0; turn < options.max_turns; ++turn) {
        const std::string path = subject.path + "/c" + std::to_string(turn);
        backends::CompletionRequest request;
        request.model = services.model;
        request.prompt = text;
        request.origin = path;
        request.sampling.max_tokens = options.max_tokens;
        request.sampling.temperature = options.temperature;
        request.sampling.seed = workers::node_seed(services.run_seed, path);
        request.sampling.stop = {"</test>", "</choose>"};
        workers::GenerationStep step;
        step.node = rec.create_node(subject.parent, path, store::NodeKind::select,
                                    "selection turn " + std::to_string(turn));
        step.account = subject.account;
        step.request = request;
        auto call = workers::generate(services, std::move(step));
        auto done = co_await std::move(call);
        if (!done) co_return std::move(done).error();
        ++result.turns;
        result.usage += done->usage;
        result.cost_usd += workers::actual_cost(services, request, done->usage)[BudgetUnit::usd];
        // The stop string is not part of the text: put it back so the blocks close.
        std::string reply = done->text + done->stop_sequence;
        if (done->stop_sequence.empty()) {
            if (reply.find("<test>") != std::string::npos && reply.find("</test>") == std::string::npos)
                reply += "</test>";
            else if (reply.find("<choose>") != std::string::npos && reply.find("</choose>") == std::string::npos)
                reply += "</choose>";
        }
        text += reply + "\n";
        if (auto choice = parse_choice(reply, subject.fixes.size())) {
            result.chosen = choice;
            result.reason = "chose candidate " + std::to_string(*choice + 1) + " after " +
                            std::to_string(result.tests_run) + " test(s)";
            co_return result;
        }
        if (auto script = parse_test(reply)) {
            auto ran_op = runner(std::move(*script));
            auto ran = co_await std::move(ran_op);
            if (!ran) co_return std::move(ran).error();
            ++result.tests_run;
            for (const ScriptRun& r : *ran) result.test_wall_ms += r.wall_ms;
            text += describe_runs(*ran, options.output_chars);
            continue;
        }
        if (reminded) {
            result.reason = "replied twice without <test> or <choose>";
            co_return result;
        }
        reminded = true;
        text += kFormatReminder;
    }
    result.reason = "no choice within " + std::to_string(options.max_turns) + " turns";
    co_return result;
}

}  // namespace braid::verifiers
