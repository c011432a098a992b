#pragma once
// ThreadPool: persistent worker threads that split index ranges with the calling thread.
//
// - `parallel_for(n, fn, grain)` calls fn(begin, end) on disjoint chunks covering [0, n) exactly
//   once, on the workers and on the calling thread, and returns when every chunk has finished.
//   Chunks are claimed dynamically (an atomic counter), so a descheduled thread on a busy machine
//   delays only the chunk it holds. Chunks have at least `grain` indices.
// - Waiting blocks: idle workers sleep on a condition variable and the caller sleeps until the
//   last worker leaves the job. No spinning — on a shared 2-vCPU machine spinning threads steal
//   the core the real work needs (engine.md §6).
// - One job at a time: concurrent callers from different threads are serialized. A parallel_for
//   issued from inside fn (on a worker or the caller) runs inline on that thread, so nesting
//   cannot deadlock.
// - An exception thrown by fn stops further chunks from starting and is rethrown to the caller
//   once the job has drained (the first one wins).
// - Destruction wakes and joins every worker (RAII); it must not race with parallel_for.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace braid::backends::local {

class ThreadPool {
public:
    // `n_threads` counts every participant including the calling thread, so n_threads - 1 workers
    // are started. 0 means std::thread::hardware_concurrency() (at least 1).
    explicit ThreadPool(std::size_t n_threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    std::size_t size() const { return workers_.size() + 1; }

    template <class Fn>
    void parallel_for(std::size_t n, Fn&& fn, std::size_t grain = 1) {
        auto call = [](void* ctx, std::size_t begin, std::size_t end) {
            (*static_cast<std::remove_reference_t<Fn>*>(ctx))(begin, end);
        };
        run(n, grain, const_cast<void*>(static_cast<const void*>(&fn)), call);
    }

private:
    using Call = void (*)(void* ctx, std::size_t begin, std::size_t end);
    struct Job {
        void* ctx = nullptr;
        Call call = nullptr;
        std::size_t n = 0;
        std::size_t chunk = 1;
    };

    void run(std::size_t n, std::size_t grain, void* ctx, Call call);
    void work(const Job& job);
    void worker_loop();
    bool on_pool_thread() const;

    std::vector<std::thread> workers_;
    std::mutex call_mu_;                      // serializes external callers
    std::atomic<std::thread::id> caller_{};   // the thread inside run(), for nesting checks

    std::mutex mu_;                           // guards everything below except the atomics
    std::condition_variable wake_;            // workers: a job opened, or stop
    std::condition_variable drained_;         // caller: in_flight_ reached 0
    Job job_;
    std::uint64_t generation_ = 0;
    bool job_open_ = false;
    bool stop_ = false;
    std::size_t in_flight_ = 0;               // workers currently inside the open job
    std::exception_ptr error_;

    std::atomic<std::size_t> next_{0};       // next unclaimed index of the open job
    std::atomic<bool> failed_{false};
};

}  // namespace braid::backends::local
