#include "backends/local/cpu/thread_pool.hpp"

#include <algorithm>

namespace braid::backends::local {

namespace {
// Chunks per participant: enough that a slow (descheduled) thread does not hold a large share,
// few enough that claiming stays cheap.
constexpr std::size_t chunks_per_thread = 4;
}  // namespace

ThreadPool::ThreadPool(std::size_t n_threads) {
    if (n_threads == 0) n_threads = std::max<std::size_t>(1, std::thread::hardware_concurrency());
    workers_.reserve(n_threads - 1);
    for (std::size_t i = 0; i + 1 < n_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
}

bool ThreadPool::on_pool_thread() const {
    const std::thread::id self = std::this_thread::get_id();
    if (caller_.load() == self) return true;
    return std::any_of(workers_.begin(), workers_.end(),
                       [&](const std::thread& worker) { return worker.get_id() == self; });
}

void ThreadPool::work(const Job& job) {
    for (;;) {
        if (failed_.load(std::memory_order_relaxed)) return;
        const std::size_t begin = next_.fetch_add(job.chunk);
        if (begin >= job.n) return;
        const std::size_t end = std::min(job.n, begin + job.chunk);
        try {
            job.call(job.ctx, begin, end);
        } catch (...) {
            std::lock_guard lock(mu_);
            if (!error_) error_ = std::current_exception();
            failed_.store(true);
        }
    }
}

void ThreadPool::worker_loop() {
    std::uint64_t seen = 0;
    std::unique_lock lock(mu_);
    for (;;) {
        wake_.wait(lock, [&] { return stop_ || (job_open_ && generation_ != seen); });
        if (stop_) return;
        seen = generation_;
        const Job job = job_;
        ++in_flight_;
        lock.unlock();
        work(job);
        lock.lock();
        if (--in_flight_ == 0) drained_.notify_one();
    }
}

void ThreadPool::run(std::size_t n, std::size_t grain, void* ctx, Call call) {
    if (n == 0) return;
    grain = std::max<std::size_t>(grain, 1);
    const std::size_t chunk = std::max(grain, (n + size() * chunks_per_thread - 1) /
                                                  (size() * chunks_per_thread));
    if (workers_.empty() || chunk >= n || on_pool_thread()) {
        call(ctx, 0, n);  // too small to share, or nested inside a job: run inline
        return;
    }

    std::lock_guard serialize(call_mu_);
    caller_.store(std::this_thread::get_id());
    const Job job{ctx, call, n, chunk};
    {
        std::lock_guard lock(mu_);
        job_ = job;
        next_.store(0);
        failed_.store(false);
        error_ = nullptr;
        ++generation_;
        job_open_ = true;
    }
    wake_.notify_all();
    work(job);
    std::exception_ptr error;
    {
        // Closing the job under the lock means no worker can join it from now on; the ones that
        // joined are counted in in_flight_ and finish their claimed chunks before leaving.
        std::unique_lock lock(mu_);
        job_open_ = false;
        drained_.wait(lock, [&] { return in_flight_ == 0; });
        error = error_;
        error_ = nullptr;
    }
    caller_.store(std::thread::id{});
    if (error) std::rethrow_exception(error);
}

}  // namespace braid::backends::local
