#include "backends/text_stream.hpp"

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "core/async.hpp"

namespace braid::backends {

namespace {

// Cuts `text` at the earliest stop string; returns the one that matched (null if none did). Of
// two matching at the same place, the first listed wins.
const std::string* apply_stop(std::string& text, const std::vector<std::string>& stops) {
    std::size_t cut = std::string::npos;
    const std::string* matched = nullptr;
    for (const std::string& s : stops) {
        if (s.empty()) continue;
        std::size_t at = text.find(s);
        if (at < cut) {
            cut = at;
            matched = &s;
        }
    }
    if (matched) text.resize(cut);
    return matched;
}

// Keeps at most `max_tokens` estimated tokens of `text`; returns true if it cut.
bool apply_token_cap(std::string& text, std::int64_t max_tokens) {
    if (max_tokens <= 0 || estimate_tokens(text) <= max_tokens) return false;
    // Binary search on the prefix length: estimate_tokens is monotone in the prefix.
    std::size_t lo = 0, hi = text.size();
    while (lo < hi) {
        std::size_t mid = (lo + hi + 1) / 2;
        if (estimate_tokens(std::string_view(text).substr(0, mid)) <= max_tokens)
            lo = mid;
        else
            hi = mid - 1;
    }
    text.resize(lo);
    return true;
}

std::vector<std::string_view> split_chunks(std::string_view text, std::size_t max_chars) {
    std::vector<std::string_view> chunks;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end;
        if (max_chars > 0) {
            end = std::min(text.size(), start + max_chars);
        } else {
            std::size_t nl = text.find('\n', start);
            end = nl == std::string_view::npos ? text.size() : nl + 1;
        }
        chunks.push_back(text.substr(start, end - start));
        start = end;
    }
    return chunks;
}

}  // namespace

asio::awaitable<Result<Completion>> stream_text(const CompletionRequest& request, std::string text,
                                                StreamPacing pacing, const ChunkSink& on_chunk) {
    // Cancellation is reported as ErrorCode::cancelled, never as an exception from a later co_await.
    co_await asio::this_coro::throw_if_cancelled(false);
    Completion out;
    const std::string* stop = apply_stop(text, request.sampling.stop);
    bool capped = apply_token_cap(text, request.sampling.max_tokens);
    // A stop string beyond the token cap never ended the text: the cap did.
    out.finish_reason = capped ? "length" : "stop";
    if (stop && !capped) out.stop_sequence = *stop;

    std::optional<asio::steady_timer> timer;
    if (pacing.delay_per_chunk.count() > 0) timer.emplace(co_await asio::this_coro::executor);
    for (std::string_view chunk : split_chunks(text, pacing.max_chunk_chars)) {
        if (timer) {
            timer->expires_after(pacing.delay_per_chunk);
            auto [ec] = co_await timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
            if (ec) co_return make_error(ErrorCode::cancelled, "completion cancelled mid-stream");
        }
        if (co_await async::cancelled()) co_return make_error(ErrorCode::cancelled, "completion cancelled mid-stream");
        if (on_chunk) on_chunk(chunk);
    }
    out.usage.prompt_tokens = estimate_tokens(request.messages.empty() ? request.prompt : [&] {
        std::string all;
        for (const Message& m : request.messages) all += m.content + "\n";
        return all;
    }());
    out.usage.completion_tokens = estimate_tokens(text);
    out.text = std::move(text);
    co_return out;
}

}  // namespace braid::backends
