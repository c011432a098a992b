#pragma once
// Store: the braid database (one SQLite file in WAL mode; schema in store/schema.cpp).
//
// Writes are enqueued and return at once; one writer thread commits them in batched transactions,
// in the order they were enqueued (store/writer.hpp). Enqueueing is thread-safe; it blocks only
// while `max_queued_ops` writes are already waiting for the disk. A write is durable
// against a crash of this process once a flush that started after it has returned; with
// `synchronous_full` also against power loss.
//
// Reads use a second connection behind a mutex, callable from any thread; they block (never call
// them on the orchestration executor in a hot path) and see committed writes only: flush first to
// read your own writes.
//
// Errors. Opening throws FatalError (code io) naming the path when the file cannot be opened or
// created (nothing is created then), is not a braid database, or has a newer schema; an existing
// file is never modified on failure. A write that fails (disk full, a constraint, a lock held by
// another process past `busy_timeout_ms`) is never dropped silently: the batch is rolled back, the
// store becomes failed, later writes are discarded, and every flush (flush, flush_sync,
// create_run) throws FatalError with the first error. A failing read throws FatalError.
//
// The Store must outlive every RunRecorder and pending flush on it; its destructor commits
// everything enqueued and joins the writer.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "store/records.hpp"

namespace braid::store {

struct StoreOptions {
    int busy_timeout_ms = 5000;        // how long a connection waits for another's lock
    bool synchronous_full = false;     // fsync every commit (PRAGMA synchronous=FULL)
    std::size_t max_batch_ops = 4096;  // writes per transaction at most
    // Writes waiting for the writer at most; past it, enqueueing blocks until the writer catches
    // up (back-pressure when the disk is slower than the producers).
    std::size_t max_queued_ops = 65536;
    // false: the database must exist already; a missing file is a not_found error and no file is
    // created (commands that only read runs: a mistyped --db must not leave an empty database).
    bool create = true;
};

class Store {
public:
    static std::unique_ptr<Store> open(const std::string& path, StoreOptions options = {});
    // Opens an existing database for reading only: nothing is created or written, not even a
    // pragma, so a database on a read-only file or file system can be listed. A missing file is
    // not_found; a schema older than this build's is refused (a command that writes migrates it).
    // Calling a write method on such a store is a bug (asserted).
    static std::unique_ptr<Store> open_read_only(const std::string& path, int busy_timeout_ms = 5000);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    const std::string& path() const;

    // ---- writes (enqueued, non-blocking, any thread) ----
    void append_event(EventRecord event);
    void upsert_node(NodeRecord node);
    void update_node_status(NodeStatusRecord status);  // the node's row must exist (enqueued first)
    void add_edge(EdgeRecord edge);                    // an existing identical edge is kept
    void put_completion(CompletionRecord completion);  // the first record for a hash wins
    void put_candidate(CandidateRecord candidate);     // upsert by (run, node)
    void put_verdict(VerdictRecord verdict);           // upsert by (run, node, verifier)
    void put_task(TaskRecord task);                    // upsert by (run, task_id)
    void update_run(RunRecord run);                    // upsert by id

    // The text bytes (event payloads, completion requests and texts, candidate outputs) enqueued
    // through this Store since it was opened: what a run's stored-bytes limit counts.
    std::uint64_t bytes_enqueued() const;

    // Inserts a run row (id 0: the next free id) and blocks until it is committed.
    RunId create_run(RunRecord run);

    // Blocks until everything enqueued before the call is committed; returns how many writes
    // have been committed in total.
    std::uint64_t flush_sync();
    // Completes on the awaiting coroutine's executor once everything enqueued before the call is
    // committed; many concurrent flushes are served by the same commits. Not cancellable: it
    // waits for the commit (bounded by the disk and `busy_timeout_ms`). Throws like flush_sync.
    asio::awaitable<void> flush();

    // ---- reads (blocking, any thread) ----
    std::vector<RunRecord> runs();  // by id
    std::optional<RunRecord> run(RunId id);
    std::vector<NodeRecord> nodes(RunId run);  // by id
    std::vector<EdgeRecord> edges(RunId run);  // in insertion order
    // Events with seq > after_seq, by seq, at most `limit` of them (-1: all).
    std::vector<EventRecord> events(RunId run, std::int64_t after_seq = 0, std::int64_t limit = -1);
    std::int64_t max_event_seq(RunId run);  // 0 when the run has no events
    std::optional<CompletionRecord> completion(std::string_view hash);
    std::int64_t count_completions();
    std::vector<CandidateRecord> candidates(RunId run);  // by node
    std::vector<VerdictRecord> verdicts(RunId run);      // by node, then verifier
    std::vector<TaskRecord> tasks(RunId run);            // in first-insertion order

private:
    struct Impl;
    struct Key {
        explicit Key() = default;
    };

public:
    Store(Key, std::unique_ptr<Impl> impl);  // use open()

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace braid::store
