#include "backends/local/engine/scheduler.hpp"

#include <algorithm>
#include <deque>

#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "backends/local/engine/sequence_text.hpp"

namespace braid::backends::local {

namespace {

// Where a finished (or failed) sequence's result waits for its coroutine. The timer is an event:
// cancelling it wakes the waiter.
struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : wake(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer wake;
    std::optional<Result<GenerateResult>> result;
};

struct Job {
    Scheduler::SequenceId id = 0;
    GenerateRequest request;
    KvSequence base;                    // the context as submitted; preemption returns to it
    std::optional<KvSequence> working;  // base + what this job fed; none while waiting
    std::vector<std::int32_t> feed;     // tokens not yet in `working`
    GenerateResult result;
    SequenceText text;
    std::shared_ptr<Waiter> waiter;

    Job(Scheduler::SequenceId id_, GenerateRequest req, KvSequence base_,
        const Tokenizer& tokenizer, std::shared_ptr<Waiter> w)
        : id(id_),
          request(std::move(req)),
          base(std::move(base_)),
          text(tokenizer, request.stop),
          waiter(std::move(w)) {}

    bool generating() const {
        return static_cast<std::int64_t>(result.tokens.size()) < request.max_tokens;
    }
    // What to feed again after losing `working`: the prompt, then every generated token.
    void reset_feed() {
        feed = request.prompt;
        feed.insert(feed.end(), result.tokens.begin(), result.tokens.end());
    }
};

std::size_t ceil_div(std::size_t a, std::size_t b) {
    return (a + b - 1) / b;
}

}  // namespace

struct Scheduler::Impl : std::enable_shared_from_this<Impl> {
    Impl(Forward& f, BlockPool& p, const Tokenizer& t, asio::any_io_executor ex, SchedulerOptions o)
        : forward(f), pool(p), tokenizer(t), executor(std::move(ex)), options(o) {}

    ~Impl() {
        for (auto& job : running)
            complete(*job, make_error(ErrorCode::cancelled, "scheduler destroyed"));
        for (auto& job : waiting)
            complete(*job, make_error(ErrorCode::cancelled, "scheduler destroyed"));
    }

    Forward& forward;
    BlockPool& pool;
    const Tokenizer& tokenizer;
    asio::any_io_executor executor;
    SchedulerOptions options;
    std::vector<std::unique_ptr<Job>> running;  // admission order
    std::deque<std::unique_ptr<Job>> waiting;   // FIFO; preempted jobs go to the front
    SequenceId next_id = 1;
    bool step_posted = false;
    bool in_step = false;  // a step holds Job pointers: cancel() defers
    std::vector<SequenceId> deferred_cancels;
    std::function<bool()> reclaim;
    Stats stats;
    std::vector<float> logits;

    static void complete(Job& job, Result<GenerateResult> result) {
        job.waiter->result.emplace(std::move(result));
        job.waiter->wake.cancel();
    }

    void post_step() {
        if (step_posted || (running.empty() && waiting.empty())) return;
        step_posted = true;
        std::weak_ptr<Impl> weak = weak_from_this();
        asio::post(executor, [weak] {
            if (auto self = weak.lock()) self->step();
        });
    }

    // Blocks a job's next chunk may need: its rows, one for a partial/copied tail block.
    std::size_t blocks_for(std::size_t rows) const {
        return ceil_div(rows, pool.layout().block_size) + 1;
    }

    void admit() {
        while (!waiting.empty()) {
            Job& job = *waiting.front();
            std::size_t need =
                blocks_for(std::min(job.feed.size(), options.chunk_tokens)) + running.size();
            while (pool.free_blocks() < need && reclaim && reclaim()) {
            }
            if (!running.empty() && pool.free_blocks() < need) return;  // alone, it may always try
            job.working.emplace(job.base.fork(ForkMode::share_tail));
            running.push_back(std::move(waiting.front()));
            waiting.pop_front();
        }
    }

    // The most recently admitted job gives its KV back and waits to recompute.
    void preempt() {
        std::unique_ptr<Job> job = std::move(running.back());
        running.pop_back();
        job->working.reset();
        job->reset_feed();
        waiting.push_front(std::move(job));
        ++stats.preemptions;
    }

    struct Span {
        Job* job;
        std::size_t rows;
        bool logits;
        bool decode;
    };

    std::vector<Span> plan(std::vector<ForwardRow>& rows) {
        std::vector<Span> spans;
        std::size_t budget = std::max<std::size_t>(options.chunk_tokens, 1);
        // Decode rows first (one token each), then prefill chunks in admission order.
        for (int pass = 0; pass < 2; ++pass) {
            for (auto& job : running) {
                bool decode = job->feed.size() == 1 && !job->result.tokens.empty();
                if ((pass == 0) != decode || job->feed.empty()) continue;
                std::size_t n =
                    pass == 0 ? 1
                              : std::min(job->feed.size(), budget - std::min(budget, rows.size()));
                if (n == 0) continue;
                bool last = n == job->feed.size();
                for (std::size_t i = 0; i < n; ++i)
                    rows.push_back(ForwardRow{&*job->working, job->feed[i],
                                              last && i + 1 == n && job->generating()});
                spans.push_back(Span{job.get(), n, rows.back().want_logits, pass == 0});
            }
        }
        return spans;
    }

    void step() {
        step_posted = false;
        in_step = true;
        admit();
        std::vector<ForwardRow> rows;
        std::vector<Span> spans;
        while (true) {
            rows.clear();
            spans = plan(rows);
            if (rows.empty()) break;
            auto stepped = forward.step(rows, logits);
            if (stepped) break;
            if (stepped.error().code == ErrorCode::budget_exhausted && reclaim && reclaim())
                continue;  // a cached entry gave its blocks back: try again before preempting
            if (stepped.error().code == ErrorCode::budget_exhausted && running.size() > 1) {
                preempt();
                continue;
            }
            // Alone and still out of blocks, or a real error: the running jobs fail, waiting ones
            // stay queued.
            Error error = Error(stepped.error()).with_context("local engine step");
            for (auto& job : running) {
                job->working.reset();
                complete(*job, error);
            }
            running.clear();
            rows.clear();
            spans.clear();
            break;
        }
        ++stats.steps;
        stats.rows += rows.size();
        for (const Span& span : spans) (span.decode ? stats.decode_rows : stats.prefill_rows) += span.rows;

        std::size_t vocab = static_cast<std::size_t>(forward.config().vocab_size);
        std::size_t logit_row = 0;
        std::vector<Job*> finished;
        for (const Span& span : spans) {
            Job& job = *span.job;
            job.feed.erase(job.feed.begin(),
                           job.feed.begin() + static_cast<std::ptrdiff_t>(span.rows));
            if (!span.logits) {
                if (job.feed.empty() && !job.generating()) finished.push_back(&job);
                continue;
            }
            std::span<const float> row(logits.data() + logit_row * vocab, vocab);
            ++logit_row;
            TokenChoice choice = job.request.pick(row, job.result.tokens);
            job.result.tokens.push_back(choice.token);
            job.result.choices.push_back(std::move(choice));
            std::int32_t token = job.result.tokens.back();
            bool end =
                job.request.stop_at_end_of_generation && tokenizer.is_end_of_generation(token);
            bool stop = end || job.text.feed(token);
            if (stop || !job.generating()) {
                if (!stop) stop = job.text.finish();
                job.result.finish_reason = stop ? "stop" : "length";
                finished.push_back(&job);
            } else {
                job.feed.push_back(token);
            }
            emit(job);
        }
        for (Job* job : finished) finish(*job);
        in_step = false;
        // Cancellations asked for by on_text callbacks while Job pointers were held.
        std::vector<SequenceId> deferred = std::move(deferred_cancels);
        deferred_cancels.clear();
        for (SequenceId id : deferred) cancel(id);
        admit();
        post_step();
    }

    void emit(Job& job) {
        std::string piece = job.text.release();
        if (!piece.empty() && job.request.on_text) job.request.on_text(piece);
    }

    void finish(Job& job) {
        if (!job.result.tokens.empty()) job.text.finish();
        emit(job);
        job.result.text = job.text.text();
        job.result.stop_sequence = job.text.stop_sequence();
        job.result.sequence = std::move(job.working);
        job.result.pending = std::move(job.feed);
        if (!job.result.tokens.empty()) job.result.pending.assign(1, job.result.tokens.back());
        auto it = std::find_if(running.begin(), running.end(),
                               [&](const auto& j) { return j.get() == &job; });
        std::unique_ptr<Job> owned = std::move(*it);
        running.erase(it);
        complete(*owned, std::move(owned->result));
    }

    SequenceId submit(GenerateRequest request, std::shared_ptr<Waiter> waiter) {
        SequenceId id = next_id++;
        KvSequence base = request.context ? std::move(*request.context) : KvSequence(pool);
        request.context.reset();
        auto job = std::make_unique<Job>(id, std::move(request), std::move(base), tokenizer,
                                         std::move(waiter));
        if (&job->base.pool() != &pool) {
            complete(*job,
                     make_error(ErrorCode::invalid_input, "context belongs to another block pool"));
            return id;
        }
        if (job->request.max_tokens > 0 && (job->request.prompt.empty() || !job->request.pick)) {
            complete(*job,
                     make_error(ErrorCode::invalid_input,
                                "generating needs at least one prompt token and a token picker"));
            return id;
        }
        job->reset_feed();
        if (job->feed.empty()) {  // nothing to do: the context is the result
            job->working.emplace(std::move(job->base));
            running.push_back(std::move(job));
            finish(*running.back());
            return id;
        }
        waiting.push_back(std::move(job));
        post_step();
        return id;
    }

    void cancel(SequenceId id) {
        if (in_step) {
            deferred_cancels.push_back(id);
            return;
        }
        auto match = [id](const std::unique_ptr<Job>& j) { return j->id == id; };
        std::unique_ptr<Job> job;
        if (auto it = std::find_if(running.begin(), running.end(), match); it != running.end()) {
            job = std::move(*it);
            running.erase(it);
        } else if (auto wit = std::find_if(waiting.begin(), waiting.end(), match);
                   wit != waiting.end()) {
            job = std::move(*wit);
            waiting.erase(wit);
        }
        if (!job) return;
        job->working.reset();  // blocks go back to the pool now
        complete(*job, make_error(ErrorCode::cancelled, "sequence cancelled"));
    }
};

Scheduler::Scheduler(Forward& forward, BlockPool& pool, const Tokenizer& tokenizer,
                     asio::any_io_executor executor, SchedulerOptions options)
    : impl_(std::make_shared<Impl>(forward, pool, tokenizer, std::move(executor), options)) {}

Scheduler::~Scheduler() = default;

asio::awaitable<Result<GenerateResult>> Scheduler::generate(GenerateRequest request) {
    auto waiter = std::make_shared<Waiter>(impl_->executor);
    SequenceId id = impl_->submit(std::move(request), waiter);
    while (!waiter->result) {
        auto [ec] =
            co_await waiter->wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (!waiter->result && ec == asio::error::operation_aborted) {
            // Our coroutine was cancelled: drop the sequence (this completes the waiter).
            impl_->cancel(id);
            co_await asio::this_coro::reset_cancellation_state();
        }
    }
    co_return std::move(*waiter->result);
}

void Scheduler::set_reclaimer(std::function<bool()> reclaim) {
    impl_->reclaim = std::move(reclaim);
}

void Scheduler::cancel(SequenceId id) {
    impl_->cancel(id);
}

Scheduler::Stats Scheduler::stats() const {
    Stats s = impl_->stats;
    s.running = impl_->running.size();
    s.waiting = impl_->waiting.size();
    return s;
}

Scheduler::SequenceId Scheduler::next_id() const {
    return impl_->next_id;
}

}  // namespace braid::backends::local
