#pragma once
// StoredBackend: completions keyed by request hash in the store (DESIGN §3.4).
//
// With an inner backend it records through: a request whose completion is already stored is
// answered from the store (no model call, Completion::from_store set); otherwise the inner backend
// is called and its completion is committed to the store *before* it is returned, so a run killed
// afterwards never pays for it twice (resume).
// Without an inner backend it is the `replay` backend: stored completions only; a request that was
// never recorded fails with ErrorCode::not_found and no model is called.
//
// Store lookups run on `pool` (blocking SQLite reads never run on the orchestration executor).
// The store, the pool and the inner backend are borrowed and must outlive this object.

#include <atomic>
#include <memory>

#include <asio/thread_pool.hpp>

#include "backends/backend.hpp"

namespace braid::store {
class Store;
}

namespace braid::backends {

class StoredBackend final : public Backend {
public:
    StoredBackend(store::Store& store, asio::thread_pool& pool, Backend* inner);

    std::string_view name() const override { return inner_ ? inner_->name() : std::string_view("replay"); }
    asio::awaitable<Result<Completion>> complete(CompletionRequest request, ChunkSink on_chunk) override;

    std::size_t hits() const { return hits_.load(); }
    std::size_t misses() const { return misses_.load(); }  // calls that reached the inner backend

private:
    store::Store& store_;
    asio::thread_pool& pool_;
    Backend* inner_;  // not owned; null for replay
    std::atomic<std::size_t> hits_{0};
    std::atomic<std::size_t> misses_{0};
};

}  // namespace braid::backends
