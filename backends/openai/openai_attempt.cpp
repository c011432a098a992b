#include "backends/openai/openai_attempt.hpp"

#include <ctime>

#include "backends/openai/retry_policy.hpp"
#include "backends/openai/sse_parser.hpp"
#include "backends/openai_wire/api_error.hpp"
#include "backends/openai_wire/stream_assembler.hpp"

namespace braid::backends::openai {

using openai_wire::ApiError;
using openai_wire::Endpoint;
using openai_wire::ParsedResponse;
using openai_wire::StreamAssembler;

namespace {

constexpr std::size_t max_json_body_bytes = 64u << 20;

struct ReadState {
    explicit ReadState(Endpoint endpoint) : assembler(endpoint) {}
    SseParser parser;
    StreamAssembler assembler;
    bool decided = false;  // whether the body is SSE is decided at its first byte
    bool sse = false;
    std::string json_body;
    std::optional<Error> error;
};

bool looks_like_sse(const HttpHead& head, std::string_view first_bytes) {
    if (const std::string* type = head.find("content-type"))
        return type->find("text/event-stream") != std::string::npos;
    return first_bytes.starts_with("data:") || first_bytes.starts_with(":");
}

AttemptResult failed(Error error,
                     std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
    return AttemptResult{std::nullopt, std::move(error), retry_after};
}

Error divergence_error(const std::string& where) {
    return make_error(ErrorCode::backend,
                      where +
                          ": the retried stream differs from text already delivered to the caller; "
                          "the delivered chunks are void, restart with a fresh sink",
                      true);
}

}  // namespace

asio::awaitable<AttemptResult> run_attempt(CurlMultiAsio& http, HttpRequest request,
                                           Endpoint endpoint, DeliveryGate& gate) {
    const std::string where = request.method + " " + loggable_url(request.url);
    ReadState st(endpoint);
    StreamAssembler::TextSink on_text = [&gate, &st, &where](std::size_t choice,
                                                             std::string_view piece) {
        if (!gate.deliver(choice, piece) && !st.error) st.error = divergence_error(where);
    };
    SseParser::EventSink on_event = [&st, &on_text, &where](const SseEvent& event) {
        if (st.error) return;
        Result<void> fed = st.assembler.feed(event.data, on_text);
        if (!fed) st.error = std::move(fed).error().with_context(where);
    };
    BodySink on_body = [&st, &on_event](const HttpHead& head, std::string_view bytes) {
        if (!st.decided) {
            st.decided = true;
            st.sse = looks_like_sse(head, bytes);
        }
        if (!st.sse) {
            if (st.json_body.size() + bytes.size() > max_json_body_bytes) {
                st.error = make_error(
                    ErrorCode::backend,
                    "response body exceeds " + std::to_string(max_json_body_bytes) + " bytes");
                return false;
            }
            st.json_body.append(bytes);
            return true;
        }
        st.parser.feed(bytes, on_event);
        if (st.parser.overflowed() && !st.error)
            st.error =
                make_error(ErrorCode::parse, "stream line longer than the parser's limit", true);
        return !st.error;
    };

    Result<HttpResponse> sent = co_await http.perform(std::move(request), std::move(on_body));
    // Failures after the server accepted the request carry what it will bill.
    // `received`: the completions read before the failure (those in the assembler when null).
    auto accepted_failure = [&st](Error error, const std::vector<Completion>* received = nullptr) {
        AttemptResult r = failed(std::move(error));
        r.accepted = true;
        std::vector<Completion> assembled;
        if (!received) {
            assembled = st.assembler.take_completions();
            received = &assembled;
        }
        for (const Completion& c : *received)
            r.partial_completion_tokens += estimate_tokens(c.text);
        return r;
    };
    // st.decided: body bytes of a 2xx answer arrived (only those reach the sink).
    if (st.error)
        co_return st.decided ? accepted_failure(std::move(*st.error))
                             : failed(std::move(*st.error));
    if (!sent)
        co_return st.decided ? accepted_failure(std::move(sent).error())
                             : failed(std::move(sent).error());
    const HttpHead& head = sent->head;

    if (head.status < 200 || head.status >= 300) {
        ApiError info = openai_wire::parse_error_body(sent->error_body);
        bool retry = should_retry_status(head.status, head.find("x-should-retry"));
        AttemptResult r = failed(make_error(ErrorCode::backend,
                                            "HTTP " + std::to_string(head.status) + " from " +
                                                where + ": " + openai_wire::describe(info),
                                            retry),
                                 requested_retry_delay(head, std::time(nullptr)));
        r.http_status = static_cast<int>(head.status);
        co_return r;
    }

    ParsedResponse response;
    if (st.sse) {
        st.parser.finish(on_event);
        if (st.error) co_return accepted_failure(std::move(*st.error));
        if (!st.assembler.finished() && !st.assembler.saw_done())
            co_return accepted_failure(
                make_error(ErrorCode::backend,
                           where + ": the stream ended before every choice finished (" +
                               std::to_string(sent->body_bytes) + " bytes received)",
                           true));
        response.usage = st.assembler.usage();
        response.choices = st.assembler.take_completions();
    } else {
        Result<ParsedResponse> parsed = openai_wire::parse_response(st.json_body, endpoint);
        if (!parsed) co_return accepted_failure(std::move(parsed).error().with_context(where));
        response = std::move(*parsed);
        for (std::size_t i = 0; i < response.choices.size(); ++i)
            if (!gate.deliver(i, response.choices[i].text))
                co_return accepted_failure(divergence_error(where), &response.choices);
    }
    std::vector<std::size_t> sizes;
    for (const Completion& c : response.choices) sizes.push_back(c.text.size());
    if (!gate.settle(sizes)) co_return accepted_failure(divergence_error(where), &response.choices);
    co_return AttemptResult{std::move(response), Error{}, std::nullopt};
}

}  // namespace braid::backends::openai
