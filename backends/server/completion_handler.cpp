#include "backends/server/completion_handler.hpp"

#include <cstdio>
#include <exception>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "backends/openai_wire/api_response.hpp"
#include "backends/openai_wire/stream_encoder.hpp"
#include "backends/server/http_response.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"

namespace braid::backends::server {

using openai_wire::ApiError;
using openai_wire::ApiRequest;
using openai_wire::Endpoint;
using openai_wire::ResponseMeta;
using openai_wire::StreamEncoder;

namespace {

using Clock = std::chrono::steady_clock;

// One completion request in flight, shared by the handler, the chunk sinks of its backend calls,
// the backend fan-out's completion handler and the disconnect watcher (which may each finish
// after the others, hence shared ownership). Touched only on the server's executor.
struct Exchange {
    Exchange(asio::any_io_executor ex, ApiRequest r, const ResponseMeta& m, bool keep, bool chunk,
             std::size_t backlog)
        : wake(ex, Clock::time_point::max()),
          request(std::move(r)),
          encoder(request, m),
          meta(m),
          keep_alive(keep),
          chunked(chunk),
          backlog_limit(backlog),
          results(request.num_choices()) {}

    asio::steady_timer wake;  // an event: cancelled whenever something below changes
    asio::cancellation_signal cancel_backend;
    ApiRequest request;
    StreamEncoder encoder;
    ResponseMeta meta;
    bool keep_alive;
    bool chunked;
    std::size_t backlog_limit;

    std::string head;      // HTTP head not yet written
    std::string body;      // payload not yet written (chunk-framed at write time when chunked)
    std::string tail;      // written after body, unframed (the last chunk)
    bool started = false;  // stream head queued
    std::vector<std::optional<Result<Completion>>> results;
    std::exception_ptr crash;         // the backend threw: a bug, answered with a 500
    std::optional<ApiError> failure;  // first backend failure (cancellations excluded)
    bool reported = false;            // failure already sent in-stream
    bool backend_done = false, watcher_done = false, stop_watching = false;
    bool client_gone = false, overflow = false;

    void notify() { wake.cancel(); }
    asio::awaitable<void> wait() {
        auto [ec] = co_await wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        (void)ec;  // woken by notify()
    }

    void start_stream() {
        if (started) return;
        started = true;
        head = render_stream_head(200, "text/event-stream", chunked, keep_alive);
        encoder.begin(body);
    }

    void on_piece(std::size_t choice, std::string_view piece) {
        if (client_gone || overflow || piece.empty()) return;
        start_stream();
        encoder.content(body, choice, piece);
        if (body.size() > backlog_limit) overflow = true;
        notify();
    }

    void on_choice_done(std::size_t choice, const Result<Completion>& result) {
        results[choice] = result;
        if (!result && result.error().code != ErrorCode::cancelled && !failure)
            failure = api_error_from(result.error());
        if (request.stream && !client_gone) {
            if (result) {
                start_stream();
                encoder.finish(body, choice, *result);
            } else if (failure && started && !reported) {
                reported = true;
                encoder.error(body, *failure);
            }
        }
        notify();
    }

    // Queues what is left once every backend call has returned.
    void finish() {
        if (crash && !failure)
            failure = ApiError{500, "internal error in the backend", "server_error", "",
                               "internal_error"};
        std::vector<Completion> completions;
        for (auto& r : results) {
            if (r && *r)
                completions.push_back(std::move(**r));
            else if (!failure)
                failure =
                    api_error_from(r ? r->error() : make_error(ErrorCode::cancelled, "cancelled"));
        }
        if (!started) {  // nothing sent yet: a plain response
            if (failure)
                head = render_error_response(*failure, keep_alive);
            else
                head = render_http_response(
                    200, "application/json",
                    openai_wire::render_response(request, meta, completions), keep_alive);
            return;
        }
        if (failure && !reported) {
            reported = true;
            encoder.error(body, *failure);
        }
        if (!failure && request.include_usage)
            encoder.usage(body, openai_wire::response_usage(request, completions));
        encoder.done(body);
        if (chunked) tail = last_chunk;
    }

    std::string take_output() {
        std::string out = std::move(head);
        if (chunked && started)
            append_chunk(out, body);
        else
            out += body;
        out += tail;
        head.clear();
        body.clear();
        tail.clear();
        return out;
    }
};

asio::awaitable<Result<Completion>> call_choice(Backend& backend, CompletionRequest request,
                                                ChunkSink sink, std::shared_ptr<Exchange> exchange,
                                                std::size_t choice) {
    Result<Completion> result = co_await backend.complete(std::move(request), std::move(sink));
    exchange->on_choice_done(choice, result);
    co_return result;
}

asio::awaitable<std::vector<Result<Completion>>> call_backend(Backend& backend,
                                                              std::shared_ptr<Exchange> exchange) {
    std::vector<asio::awaitable<Result<Completion>>> calls;
    for (std::size_t i = 0; i < exchange->request.num_choices(); ++i) {
        ChunkSink sink = [](std::string_view) {};
        if (exchange->request.stream)
            sink = [exchange, i](std::string_view piece) { exchange->on_piece(i, piece); };
        calls.push_back(call_choice(backend, exchange->request.choice_request(i), std::move(sink),
                                    exchange, i));
    }
    auto all = async::when_all(std::move(calls));
    co_return co_await std::move(all);
}

// Reads the socket while the backend runs, so a client that goes away is noticed at once.
// Pipelined bytes are kept in the connection's input for the next request.
asio::awaitable<void> watch_client(std::shared_ptr<Connection> conn,
                                   std::shared_ptr<Exchange> exchange, std::size_t input_limit) {
    while (!exchange->stop_watching && conn->input().size() < input_limit) {
        std::error_code ec = co_await conn->read_some();
        if (exchange->stop_watching) break;
        if (ec) {
            exchange->client_gone = true;
            break;
        }
    }
    exchange->watcher_done = true;
    exchange->notify();
}

std::string response_id(ServerState& server, Endpoint endpoint) {
    char id[48];
    std::snprintf(id, sizeof id, "%s-braid%llx",
                  endpoint == Endpoint::chat_completions ? "chatcmpl" : "cmpl",
                  static_cast<unsigned long long>(++server.next_response_id));
    return id;
}

// Counts a request's generations in flight for the max_concurrent_generations limit.
class GenerationSlots {
public:
    GenerationSlots(ServerState& server, std::size_t count) : server_(server), count_(count) {
        server_.active_generations += count_;
    }
    ~GenerationSlots() { server_.active_generations -= count_; }
    GenerationSlots(const GenerationSlots&) = delete;
    GenerationSlots& operator=(const GenerationSlots&) = delete;

private:
    ServerState& server_;
    std::size_t count_;
};

// The machine-readable `code` of an error body.
std::string_view code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_input:
            return "invalid_input";
        case ErrorCode::not_found:
            return "not_found";
        case ErrorCode::io:
            return "io_error";
        case ErrorCode::backend:
            return "backend_error";
        case ErrorCode::timeout:
            return "timeout";
        case ErrorCode::cancelled:
            return "cancelled";
        case ErrorCode::budget_exhausted:
            return "budget_exhausted";
        case ErrorCode::parse:
            return "parse_error";
        case ErrorCode::internal:
            return "internal_error";
    }
    return "internal_error";
}

}  // namespace

ApiError api_error_from(const Error& error) {
    ApiError out;
    out.message = error.message;
    out.type = "server_error";
    out.code = std::string(code_name(error.code));
    switch (error.code) {
        case ErrorCode::invalid_input:
            out.status = 400;
            out.type = "invalid_request_error";
            break;
        case ErrorCode::not_found:
            out.status = 404;
            out.type = "not_found_error";
            break;
        case ErrorCode::budget_exhausted:
            out.status = 429;
            out.type = "insufficient_quota";
            break;
        case ErrorCode::timeout:
            out.status = 504;
            break;
        default:
            out.status = error.retryable || error.code == ErrorCode::cancelled ? 503 : 500;
    }
    return out;
}

asio::awaitable<bool> serve_completion(std::shared_ptr<Connection> conn, ApiRequest request,
                                       bool keep_alive, bool chunked) {
    ServerState& server = conn->server();
    const ServerOptions& options = server.options;
    const std::size_t generations = request.num_choices();
    if (generations > options.max_concurrent_generations) {
        ApiError too_many{400,
                          "This request asks for " + std::to_string(generations) +
                              " generations at once; this server runs at most " +
                              std::to_string(options.max_concurrent_generations) + ".",
                          "invalid_request_error", "n", "too_many_generations"};
        bool ok = co_await write_error(*conn, std::move(too_many), keep_alive);
        co_return ok&& keep_alive;
    }
    if (server.active_generations + generations > options.max_concurrent_generations) {
        ApiError busy{503, "Too many concurrent generations; retry later.", "server_error", "",
                      "server_overloaded"};
        bool ok = co_await write_error(*conn, std::move(busy), keep_alive);
        co_return ok&& keep_alive;
    }
    GenerationSlots slots(server, generations);
    ++server.completion_requests;
    if (request.stream && !chunked)
        keep_alive = false;  // an HTTP/1.0 stream ends with the connection

    auto executor = co_await asio::this_coro::executor;
    ResponseMeta meta{response_id(server, request.endpoint), now_ms() / 1000,
                      request.request.model};
    auto exchange = std::make_shared<Exchange>(executor, std::move(request), meta, keep_alive,
                                               chunked, options.max_stream_backlog_bytes);

    auto work = call_backend(server.backend, exchange);
    auto on_done = [exchange](std::exception_ptr error, std::vector<Result<Completion>>) {
        exchange->crash = error;
        exchange->backend_done = true;
        exchange->notify();
    };
    asio::co_spawn(executor, std::move(work),
                   asio::bind_cancellation_slot(exchange->cancel_backend.slot(), on_done));
    // Detached: the watcher reports through `exchange`, and it cannot fail in another way.
    auto watcher = watch_client(conn, exchange, options.http.max_header_bytes);
    asio::co_spawn(executor, std::move(watcher), asio::detached);

    bool write_ok = true, cancel_sent = false, tail_queued = false;
    for (;;) {
        bool abandoned = exchange->client_gone || exchange->overflow || !write_ok || conn->closed();
        if ((abandoned || exchange->failure) && !cancel_sent && !exchange->backend_done) {
            cancel_sent = true;
            exchange->cancel_backend.emit(asio::cancellation_type::terminal);
        }
        if (abandoned) {
            if (exchange->backend_done) break;
            exchange->body.clear();
            co_await exchange->wait();
            continue;
        }
        if (exchange->backend_done && !tail_queued) {
            tail_queued = true;
            exchange->finish();
        }
        if (!exchange->head.empty() || !exchange->body.empty() || !exchange->tail.empty()) {
            std::string out = exchange->take_output();
            write_ok = co_await conn->write(out);
            continue;
        }
        if (tail_queued) break;
        co_await exchange->wait();
    }
    if (exchange->crash) {
        try {
            std::rethrow_exception(exchange->crash);
        } catch (const std::exception& e) {
            options.log.error("serve: backend threw: %s", e.what());
        } catch (...) {
            options.log.error("serve: backend threw a non-standard exception");
        }
    }

    exchange->stop_watching = true;
    if (!exchange->watcher_done) conn->cancel_reads();
    while (!exchange->watcher_done) co_await exchange->wait();
    bool clean =
        tail_queued && write_ok && !exchange->client_gone && !exchange->overflow && !conn->closed();
    co_return clean && exchange->keep_alive;
}

}  // namespace braid::backends::server
