#include "backends/stored/stored_backend.hpp"

#include "core/async.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"

namespace braid::backends {

StoredBackend::StoredBackend(store::Store& store, asio::thread_pool& pool, Backend* inner)
    : store_(store), pool_(pool), inner_(inner) {}

asio::awaitable<Result<Completion>> StoredBackend::complete(CompletionRequest request, ChunkSink on_chunk) {
    std::string key = request.key();
    // Named before the co_await: GCC 12 destroys temporaries of a co_await full-expression twice.
    auto lookup = [this, key] { return store_.completion(key); };
    auto stored = co_await async::run_blocking(pool_, std::move(lookup));
    if (stored) {
        ++hits_;
        Completion out;
        out.text = std::move(stored->text);
        out.finish_reason = std::move(stored->finish_reason);
        out.stop_sequence = std::move(stored->stop_sequence);
        out.usage = stored->usage;
        out.latency_ms = stored->latency_ms;
        out.from_store = true;
        if (on_chunk && !out.text.empty()) on_chunk(out.text);
        co_return out;
    }
    if (inner_ == nullptr)
        co_return make_error(ErrorCode::not_found,
                             "replay: no stored completion for request " + key + " (replay makes no model calls)");

    ++misses_;
    auto started = std::chrono::steady_clock::now();
    Result<Completion> result = co_await inner_->complete(request, on_chunk);
    if (!result) co_return result;
    result->latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

    store::CompletionRecord record;
    record.hash = key;
    record.request_json = request.canonical_json();
    record.text = result->text;
    record.finish_reason = result->finish_reason;
    record.stop_sequence = result->stop_sequence;
    record.usage = result->usage;
    record.latency_ms = result->latency_ms;
    record.backend = std::string(inner_->name());
    record.model = request.model;
    record.created_ms = now_ms();
    store_.put_completion(std::move(record));
    co_await store_.flush();  // durable before anyone uses it
    co_return result;
}

}  // namespace braid::backends
