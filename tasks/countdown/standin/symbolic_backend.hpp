#pragma once
// SymbolicBackend: a stand-in model for Countdown, not a language model. It reads the Countdown
// state from the request (the prompt, or the last user message of a chat request), runs the SoS+
// symbolic search (search.hpp) seeded from request.sampling.seed and the state, and streams the
// trace a trained SoS+ model would write after that prompt through backends::stream_text, which
// applies stop strings, max_tokens (estimated tokens) and cancellation.
//
// Different seeds give different beam sizes, shuffles and dives, so some samples solve a problem
// that others miss: best-of-N and voting have something to choose from. Temperature is ignored.
// The `sos` style answers the first state in the prompt as a fresh search; it does not continue
// partial traces or APR join blocks. The `apr` style ("symbolic-apr") is the symbolic APR model
// (apr_model.hpp): it spawns children with APR spawn blocks and continues through join blocks.
//
// It lives in tasks/ rather than backends/ because it knows the Countdown task, and backends must
// not know about tasks (DESIGN.md §2).
//
// complete() runs on the caller's executor. Errors: ErrorCode::invalid_input when the request holds
// no Countdown state; ErrorCode::cancelled when cancelled mid-stream. Never throws for either.

#include <string_view>

#include "backends/backend.hpp"
#include "backends/text_stream.hpp"
#include "tasks/countdown/standin/apr_model.hpp"
#include "tasks/countdown/standin/search.hpp"

namespace braid::tasks::countdown {

enum class SymbolicStyle { sos, apr };

struct SymbolicOptions {
    backends::StreamPacing pacing;  // default: instant, one chunk per line
    SymbolicStyle style = SymbolicStyle::sos;
    SosOptions search;
    AprOptions apr;
};

class SymbolicBackend final : public backends::Backend {
public:
    explicit SymbolicBackend(SymbolicOptions options = {}) : options_(options) {}

    std::string_view name() const override {
        return options_.style == SymbolicStyle::apr ? "symbolic-apr" : "symbolic";
    }
    asio::awaitable<Result<backends::Completion>> complete(backends::CompletionRequest request,
                                                           backends::ChunkSink on_chunk) override;

    // The full completion text for `prompt` and `seed` before stop strings and max_tokens; an
    // invalid_input error when the prompt holds no Countdown state.
    Result<std::string> completion_text(std::string_view prompt, std::uint64_t seed) const;

private:
    SymbolicOptions options_;
};

}  // namespace braid::tasks::countdown
