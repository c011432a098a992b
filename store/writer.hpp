#pragma once
// The store's single writer: one thread that owns the write connection and drains a queue of
// write operations in batched transactions. Internal to store/ (Store is the public face).
//
// Producers on any thread enqueue by value (a mutex-guarded push_back; the writer is woken only
// when it sleeps). The queue is bounded (`max_queued_ops`): a producer that finds it full waits
// for the writer, so memory stays flat and the two queue buffers are reused without page faults.
// The writer swaps the whole queue out under the lock, then writes it in chunks of at most
// `max_batch_ops` per BEGIN IMMEDIATE/COMMIT with cached prepared statements.
// Operations are counted in enqueue order; `done` is how many have been committed (or dropped
// after a failure), and a flush waits for `done` to reach the count at the time it was called.
//
// Failure is sticky: the first write error (disk full, constraint violation, a lock held past the
// busy timeout) rolls back its batch and is recorded; every later write is dropped, and every
// flush, pending or future, fails with FatalError carrying that error.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <variant>
#include <vector>

#include "store/records.hpp"
#include "store/sqlite.hpp"

namespace braid::store::detail {

// Inserts a run row; the writer fulfils `result` with its id once committed.
struct CreateRun {
    RunRecord record;
    std::promise<RunId>* result = nullptr;  // not owned; the caller blocks on it
};

// Events and edges, the bulk of the traffic, are stored inline; the larger, rarer records are
// boxed so a queue slot stays ~100 bytes (the queue is copied and faulted in per slot).
template <class Record>
using Boxed = std::unique_ptr<Record>;
using WriteOp = std::variant<EventRecord, EdgeRecord, Boxed<NodeRecord>, Boxed<NodeStatusRecord>,
                             Boxed<CompletionRecord>,
                             Boxed<CandidateRecord>, Boxed<VerdictRecord>, Boxed<TaskRecord>,
                             Boxed<RunRecord>, Boxed<CreateRun>>;

// An awaiting flush. `complete` is called exactly once, on the writer thread or the thread that
// registered it, and must hand the result to the waiter's own executor.
class FlushWaiter {
public:
    virtual ~FlushWaiter() = default;
    virtual void complete(std::exception_ptr error) = 0;
};

class Writer {
public:
    // Prepares the statements on `db` (migrated to the latest schema) and starts the thread.
    // Throws FatalError when a statement cannot be prepared.
    Writer(SqliteDb db, std::size_t max_batch_ops, std::size_t max_queued_ops);
    // Drains and commits everything enqueued, then joins the thread.
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Queues `op` (a WriteOp alternative). Blocks only while `max_queued_ops` writes are already
    // waiting (the disk is behind), until the writer takes them.
    template <class Op>
    void enqueue(Op op) {
        bool wake = false;
        {
            std::unique_lock lock(mutex_);
            if (queue_.size() >= max_queued_ops_) wait_for_room(lock);
            queue_.emplace_back(std::in_place_type<Op>, std::move(op));
            ++enqueued_;
            wake = writer_idle_;
            writer_idle_ = false;
        }
        if (wake) work_ready_.notify_one();
    }

    // Blocks until everything enqueued before the call is committed; returns the number of
    // operations committed so far. Throws FatalError once a write has failed.
    std::uint64_t flush_sync();
    // Registers an asynchronous flush (see FlushWaiter).
    void add_waiter(std::unique_ptr<FlushWaiter> waiter);

private:
    struct Statements;
    struct Pending {
        std::uint64_t ticket;
        std::unique_ptr<FlushWaiter> waiter;
    };

    void run();
    void wait_for_room(std::unique_lock<std::mutex>& lock);
    void write_chunk(std::span<WriteOp> ops);
    Result<void> write(const EventRecord& event);
    Result<void> write(const NodeRecord& node);
    Result<void> write(const NodeStatusRecord& status);
    Result<void> write(const EdgeRecord& edge);
    Result<void> write(const CompletionRecord& completion);
    Result<void> write(const CandidateRecord& candidate);
    Result<void> write(const VerdictRecord& verdict);
    Result<void> write(const TaskRecord& task);
    Result<void> write(const RunRecord& run);
    Result<void> write(const CreateRun& create);
    void fail(Error error, std::span<WriteOp> ops);
    void publish(std::size_t num_done);
    std::exception_ptr failure() const;  // requires mutex_

    SqliteDb db_;
    std::unique_ptr<Statements> statements_;
    const std::size_t max_batch_ops_;
    const std::size_t max_queued_ops_;

    // Writer-thread only.
    bool failed_ = false;
    std::vector<std::pair<std::promise<RunId>*, RunId>> created_;
    std::vector<Pending> ready_;

    // Shared, guarded by mutex_.
    std::mutex mutex_;
    std::condition_variable work_ready_;    // the writer waits for work
    std::condition_variable done_changed_;  // flush_sync waits for `done_`
    std::condition_variable room_;          // producers wait for the queue to drain
    std::vector<WriteOp> queue_;
    std::uint64_t enqueued_ = 0;
    std::uint64_t done_ = 0;
    bool writer_idle_ = false;
    std::size_t num_waiting_for_room_ = 0;
    bool stopping_ = false;
    std::optional<Error> error_;
    std::deque<Pending> waiters_;  // ascending tickets

    std::thread thread_;  // last: starts after everything above exists
};

}  // namespace braid::store::detail
