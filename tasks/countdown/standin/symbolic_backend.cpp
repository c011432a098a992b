#include "tasks/countdown/standin/symbolic_backend.hpp"

#include <chrono>

#include "tasks/countdown/rng.hpp"

namespace braid::tasks::countdown {

namespace {

// The text the model is asked to continue: the prompt, or the last user message of a chat.
std::string_view request_text(const backends::CompletionRequest& request) {
    if (request.messages.empty()) return request.prompt;
    for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it)
        if (it->role == Role::user) return it->content;
    return request.messages.back().content;
}

}  // namespace

Result<std::string> SymbolicBackend::completion_text(std::string_view prompt,
                                                     std::uint64_t seed) const {
    if (options_.style == SymbolicStyle::apr) return apr_completion(prompt, seed, options_.apr);
    auto parsed = parse_state(prompt);
    if (!parsed)
        return make_error(ErrorCode::invalid_input,
                          "symbolic backend: the prompt is not a Countdown state (" +
                              parsed.error().message + ")");
    const State& state = parsed->state;
    // Fold the state into the seed so that one seed gives unrelated searches on different problems.
    const std::uint64_t search_seed = mix64(seed ^ fnv1a64(state_prompt(state)));
    SearchResult result = sos_plus_search(state, search_seed, options_.search);
    std::string text(after_state_line(result.trace));
    // A prompt that already ends its state line with a newline gets no second one.
    if (!prompt.empty() && prompt.back() == '\n' && !text.empty() && text.front() == '\n')
        text.erase(0, 1);
    return text;
}

asio::awaitable<Result<backends::Completion>> SymbolicBackend::complete(
    backends::CompletionRequest request, backends::ChunkSink on_chunk) {
    const auto started = std::chrono::steady_clock::now();
    Result<std::string> text = completion_text(request_text(request), request.sampling.seed);
    if (!text) co_return std::move(text).error();
    Result<backends::Completion> out =
        co_await backends::stream_text(request, std::move(text).value(), options_.pacing, on_chunk);
    if (out) {
        out->latency_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();
    }
    co_return out;
}

}  // namespace braid::tasks::countdown
