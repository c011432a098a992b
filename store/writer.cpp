#include "store/writer.hpp"

#include <pthread.h>

#include <algorithm>
#include <string>
#include <utility>

namespace braid::store::detail {

struct Writer::Statements {
    SqliteStmt begin, commit, rollback;
    SqliteStmt event, node, node_status, edge, completion, candidate, verdict, task, run_upsert, run_insert;
};

namespace {

constexpr const char* kInsertEvent =
    "INSERT INTO events (run, seq, node, time_ms, type, payload) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kUpsertNode =
    "INSERT INTO nodes (run, id, parent, path, kind, label, status, backend, model, started_ms,"
    " finished_ms, prompt_tokens, completion_tokens, cached_tokens, cost_usd)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run, id) DO UPDATE SET parent = excluded.parent, path = excluded.path,"
    " kind = excluded.kind, label = excluded.label, status = excluded.status,"
    " backend = excluded.backend, model = excluded.model, started_ms = excluded.started_ms,"
    " finished_ms = excluded.finished_ms, prompt_tokens = excluded.prompt_tokens,"
    " completion_tokens = excluded.completion_tokens, cached_tokens = excluded.cached_tokens,"
    " cost_usd = excluded.cost_usd";
constexpr const char* kUpdateNodeStatus =
    "UPDATE nodes SET status = ?, backend = ?, model = ?, started_ms = ?, finished_ms = ?,"
    " prompt_tokens = ?, completion_tokens = ?, cached_tokens = ?, cost_usd = ?"
    " WHERE run = ? AND id = ?";
constexpr const char* kInsertEdge =
    "INSERT OR IGNORE INTO edges (run, src, dst, kind) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertCompletion =
    "INSERT OR IGNORE INTO completions (hash, request, text, finish_reason, prompt_tokens,"
    " completion_tokens, cached_tokens, latency_ms, backend, model, created_ms, stop_sequence)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kUpsertCandidate =
    "INSERT INTO candidates (run, node, task, output, normalized) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (run, node) DO UPDATE SET task = excluded.task, output = excluded.output,"
    " normalized = excluded.normalized";
constexpr const char* kUpsertVerdict =
    "INSERT INTO verdicts (run, node, task, verifier, score, cost_usd, details)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run, node, verifier) DO UPDATE SET task = excluded.task,"
    " score = excluded.score, cost_usd = excluded.cost_usd, details = excluded.details";
constexpr const char* kUpsertTask =
    "INSERT INTO tasks (run, task_id, kind, input, outcome, answer, selected_node)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run, task_id) DO UPDATE SET kind = excluded.kind, input = excluded.input,"
    " outcome = excluded.outcome, answer = excluded.answer,"
    " selected_node = excluded.selected_node";
constexpr const char* kUpsertRun =
    "INSERT INTO runs (id, started_ms, finished_ms, command, config, status, seed, budget, spent)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET started_ms = excluded.started_ms,"
    " finished_ms = excluded.finished_ms, command = excluded.command, config = excluded.config,"
    " status = excluded.status, seed = excluded.seed, budget = excluded.budget,"
    " spent = excluded.spent";
constexpr const char* kInsertRun =
    "INSERT INTO runs (id, started_ms, finished_ms, command, config, status, seed, budget, spent)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

SqliteStmt prepare_or_throw(SqliteDb& db, const char* sql) {
    auto stmt = db.prepare(sql);
    if (!stmt) throw FatalError(std::move(stmt).error().with_context("preparing the store writer"));
    return std::move(stmt).value();
}

// Binds the run columns after `id` (parameters 2..9).
void bind_run_fields(SqliteStmt& stmt, const RunRecord& run) {
    stmt.bind_int(2, run.started_ms);
    stmt.bind_int(3, run.finished_ms);
    stmt.bind_text(4, run.command);
    stmt.bind_text(5, run.config_json);
    stmt.bind_text(6, to_string(run.status));
    stmt.bind_int(7, run.seed);
    stmt.bind_text(8, run.budget_json);
    stmt.bind_text(9, run.spent_json);
}

template <class... Args>
Result<void> run_with(SqliteStmt& stmt, const Args&... args) {
    stmt.bind_all(args...);
    return stmt.run();
}

std::string of_run(RunId run) { return " of run " + std::to_string(run.value); }

// What a failed write was writing, for its error message (built on the failure path only).
std::string describe(const EventRecord& e) {
    return "event " + std::to_string(e.seq) + of_run(e.run);
}
std::string describe(const EdgeRecord& e) {
    return "edge " + std::to_string(e.src.value) + "->" + std::to_string(e.dst.value) +
           of_run(e.run);
}
std::string describe(const NodeRecord& n) {
    return "node " + std::to_string(n.id.value) + of_run(n.run);
}
std::string describe(const NodeStatusRecord& n) {
    return "status of node " + std::to_string(n.id.value) + of_run(n.run);
}
std::string describe(const CompletionRecord& c) { return "completion " + c.hash; }
std::string describe(const CandidateRecord& c) {
    return "candidate of node " + std::to_string(c.node.value) + of_run(c.run);
}
std::string describe(const VerdictRecord& v) {
    return "verdict '" + v.verifier + "' of node " + std::to_string(v.node.value) + of_run(v.run);
}
std::string describe(const TaskRecord& t) { return "task '" + t.task_id + "'" + of_run(t.run); }
std::string describe(const RunRecord& r) { return "run " + std::to_string(r.id.value); }
std::string describe(const CreateRun&) { return "a new run"; }

template <class Record>
const Record& unboxed(const Record& record) {
    return record;
}
template <class Record>
const Record& unboxed(const Boxed<Record>& record) {
    return *record;
}

}  // namespace

Writer::Writer(SqliteDb db, std::size_t max_batch_ops, std::size_t max_queued_ops)
    : db_(std::move(db)),
      statements_(std::make_unique<Statements>()),
      max_batch_ops_(std::max<std::size_t>(max_batch_ops, 1)),
      max_queued_ops_(std::max<std::size_t>(max_queued_ops, 1)) {
    auto& s = *statements_;
    s.begin = prepare_or_throw(db_, "BEGIN IMMEDIATE");
    s.commit = prepare_or_throw(db_, "COMMIT");
    s.rollback = prepare_or_throw(db_, "ROLLBACK");
    s.event = prepare_or_throw(db_, kInsertEvent);
    s.node = prepare_or_throw(db_, kUpsertNode);
    s.node_status = prepare_or_throw(db_, kUpdateNodeStatus);
    s.edge = prepare_or_throw(db_, kInsertEdge);
    s.completion = prepare_or_throw(db_, kInsertCompletion);
    s.candidate = prepare_or_throw(db_, kUpsertCandidate);
    s.verdict = prepare_or_throw(db_, kUpsertVerdict);
    s.task = prepare_or_throw(db_, kUpsertTask);
    s.run_upsert = prepare_or_throw(db_, kUpsertRun);
    s.run_insert = prepare_or_throw(db_, kInsertRun);
    queue_.reserve(max_batch_ops_);  // the first bursts append without reallocating
    thread_ = std::thread([this] { run(); });
}

Writer::~Writer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_one();
    thread_.join();
}

void Writer::wait_for_room(std::unique_lock<std::mutex>& lock) {
    if (writer_idle_) {
        writer_idle_ = false;
        work_ready_.notify_one();
    }
    ++num_waiting_for_room_;
    room_.wait(lock, [&] { return queue_.size() < max_queued_ops_; });
    --num_waiting_for_room_;
}

std::uint64_t Writer::flush_sync() {
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = enqueued_;
    done_changed_.wait(lock, [&] { return done_ >= ticket; });
    if (error_) throw FatalError(*error_);
    return done_;
}

void Writer::add_waiter(std::unique_ptr<FlushWaiter> waiter) {
    std::exception_ptr error;
    {
        std::lock_guard lock(mutex_);
        if (done_ < enqueued_) {
            waiters_.push_back(Pending{enqueued_, std::move(waiter)});
            return;
        }
        error = failure();
    }
    waiter->complete(error);
}

std::exception_ptr Writer::failure() const {
    return error_ ? std::make_exception_ptr(FatalError(*error_)) : nullptr;
}

void Writer::run() {
    pthread_setname_np(pthread_self(), "braid-writer");  // for profilers and debuggers
    std::vector<WriteOp> batch;
    batch.reserve(max_batch_ops_);
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (queue_.empty()) {
                if (stopping_) return;
                writer_idle_ = true;
                work_ready_.wait(lock, [&] { return !queue_.empty() || stopping_; });
                writer_idle_ = false;
                if (queue_.empty()) return;  // stopping with nothing left
            }
            // The emptied batch goes back as the queue, so both vectors keep their capacity.
            batch.swap(queue_);
            if (num_waiting_for_room_ > 0) room_.notify_all();
        }
        const std::span<WriteOp> ops(batch);
        for (std::size_t begin = 0; begin < ops.size(); begin += max_batch_ops_) {
            const std::size_t count = std::min(max_batch_ops_, ops.size() - begin);
            write_chunk(ops.subspan(begin, count));
            publish(count);
        }
        batch.clear();
    }
}

void Writer::write_chunk(std::span<WriteOp> ops) {
    if (failed_) return fail(Error{}, ops);
    auto& s = *statements_;
    if (auto begun = s.begin.run(); !begun)
        return fail(std::move(begun).error().with_context("starting a write transaction"), ops);
    created_.clear();
    for (const WriteOp& op : ops) {
        auto written =
            std::visit([this](const auto& record) { return write(unboxed(record)); }, op);
        if (!written) {
            const std::string what =
                std::visit([](const auto& record) { return describe(unboxed(record)); }, op);
            return fail(std::move(written).error().with_context("writing " + what), ops);
        }
    }
    if (auto committed = s.commit.run(); !committed)
        return fail(std::move(committed).error().with_context("committing a write batch"), ops);
    for (auto& [promise, id] : created_) promise->set_value(id);
}

// Records the first failure, rolls back the open transaction and fails every run creation in
// `ops` (none of them was fulfilled: that happens only after COMMIT).
void Writer::fail(Error error, std::span<WriteOp> ops) {
    if (db_.in_transaction()) (void)statements_->rollback.run();  // the first error is what counts
    if (!failed_) {
        failed_ = true;
        std::lock_guard lock(mutex_);
        error_ = std::move(error).with_context("store '" + db_.path() + "'");
    }
    for (const WriteOp& op : ops) {
        if (const auto* create = std::get_if<Boxed<CreateRun>>(&op)) {
            std::lock_guard lock(mutex_);
            (*create)->result->set_exception(failure());
        }
    }
}

void Writer::publish(std::size_t num_done) {
    std::exception_ptr error;
    {
        std::lock_guard lock(mutex_);
        done_ += num_done;
        while (!waiters_.empty() && waiters_.front().ticket <= done_) {
            ready_.push_back(std::move(waiters_.front()));
            waiters_.pop_front();
        }
        if (!ready_.empty()) error = failure();
    }
    done_changed_.notify_all();
    for (Pending& pending : ready_) pending.waiter->complete(error);
    ready_.clear();
}

Result<void> Writer::write(const EventRecord& e) {
    return run_with(statements_->event, e.run, e.seq, e.node, e.time_ms, e.type, e.payload_json);
}

Result<void> Writer::write(const NodeRecord& n) {
    return run_with(statements_->node, n.run, n.id, n.parent, n.path, to_string(n.kind), n.label,
                    to_string(n.status), n.backend, n.model, n.started_ms, n.finished_ms,
                    n.usage.prompt_tokens, n.usage.completion_tokens, n.usage.cached_prompt_tokens,
                    n.cost_usd);
}

Result<void> Writer::write(const NodeStatusRecord& n) {
    return run_with(statements_->node_status, to_string(n.status), n.backend, n.model, n.started_ms,
                    n.finished_ms, n.usage.prompt_tokens, n.usage.completion_tokens,
                    n.usage.cached_prompt_tokens, n.cost_usd, n.run, n.id);
}

Result<void> Writer::write(const EdgeRecord& e) {
    return run_with(statements_->edge, e.run, e.src, e.dst, to_string(e.kind));
}

Result<void> Writer::write(const CompletionRecord& c) {
    return run_with(statements_->completion, c.hash, c.request_json, c.text, c.finish_reason,
                    c.usage.prompt_tokens, c.usage.completion_tokens, c.usage.cached_prompt_tokens,
                    c.latency_ms, c.backend, c.model, c.created_ms, c.stop_sequence);
}

Result<void> Writer::write(const CandidateRecord& c) {
    return run_with(statements_->candidate, c.run, c.node, c.task, c.output, c.normalized);
}

Result<void> Writer::write(const VerdictRecord& v) {
    return run_with(statements_->verdict, v.run, v.node, v.task, v.verifier, v.score, v.cost_usd,
                    v.details_json);
}

Result<void> Writer::write(const TaskRecord& t) {
    return run_with(statements_->task, t.run, t.task_id, t.kind, t.input_json,
                    outcome_name(t.outcome), t.answer, t.selected_node);
}

Result<void> Writer::write(const RunRecord& r) {
    auto& stmt = statements_->run_upsert;
    stmt.bind_int(1, r.id.value);
    bind_run_fields(stmt, r);
    return stmt.run();
}

Result<void> Writer::write(const CreateRun& create) {
    auto& stmt = statements_->run_insert;
    if (create.record.id.value == 0)
        stmt.bind_null(1);  // let SQLite pick the next id
    else
        stmt.bind_int(1, create.record.id.value);
    bind_run_fields(stmt, create.record);
    if (auto done = stmt.run(); !done) return done;
    created_.emplace_back(create.result, RunId{db_.last_insert_rowid()});
    return {};
}

}  // namespace braid::store::detail
