#include "store/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <mutex>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/use_awaitable.hpp>

#include "store/queries.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/writer.hpp"

namespace braid::store {

struct Store::Impl {
    Impl(std::string path_in, SqliteDb reader_in)
        : path(std::move(path_in)), reader(std::move(reader_in)) {}

    // Runs `query` on the read connection; a failure ends the command (see store.hpp).
    template <class Query>
    auto read(std::string_view what, Query query) {
        std::lock_guard lock(read_mutex);
        auto result = query(reader);
        if (!result) {
            throw FatalError(std::move(result).error().with_context("reading " + std::string(what) +
                                                                    " from '" + path + "'"));
        }
        return std::move(result).value();
    }

    std::string path;
    std::mutex read_mutex;
    SqliteDb reader;
    std::unique_ptr<detail::Writer> writer;  // declared last: destroyed (drained) first
};

namespace {

[[noreturn]] void fail_open(const std::string& path, Error error) {
    throw FatalError(
        std::move(error).with_context("cannot use '" + path + "' as a braid database"));
}

template <class T>
T opened_or_throw(const std::string& path, Result<T> result) {
    if (!result) fail_open(path, std::move(result).error());
    return std::move(result).value();
}

// Creates `path` as an empty file when no file is there, atomically (O_EXCL): true when this call
// created it. Of several processes creating one new database at once exactly one gets true, so
// only that one may remove the file when its open fails. An empty file is an empty SQLite database.
bool create_exclusively(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return false;  // there already (or not creatable: SQLite's open reports why)
    ::close(fd);
    return true;
}

// Removes a database file this open created, when opening fails after creating it.
class CreatedFileGuard {
public:
    CreatedFileGuard(std::string path, bool armed) : path_(std::move(path)), armed_(armed) {}
    ~CreatedFileGuard() {
        if (!armed_) return;
        std::error_code ignored;  // best effort; the open error is already on its way
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(path_ + suffix, ignored);
    }
    CreatedFileGuard(const CreatedFileGuard&) = delete;
    CreatedFileGuard& operator=(const CreatedFileGuard&) = delete;
    void dismiss() { armed_ = false; }

private:
    std::string path_;
    bool armed_;
};

// Checks, reading only, that `db` is empty or a braid database this build can migrate. The three
// reads share one read transaction: another process may be creating the schema meanwhile, and
// its commit must be seen whole or not at all.
void check_is_braid_database(SqliteDb& db) {
    const std::string& path = db.path();
    opened_or_throw(path, db.exec("BEGIN"));
    const auto app_id = db.query_int("PRAGMA application_id");
    const auto version = schema_version(db);
    const auto num_objects = db.query_int("SELECT COUNT(*) FROM sqlite_master");
    (void)db.exec("COMMIT");  // a read transaction: nothing to lose if it fails
    opened_or_throw(path, app_id);
    opened_or_throw(path, version);
    opened_or_throw(path, num_objects);
    const bool empty = *version == 0 && *num_objects == 0;
    if (!empty && *app_id != kApplicationId) {
        fail_open(path, make_error(ErrorCode::io,
                                   "not a braid database (an SQLite file of "
                                   "another application)"));
    }
    if (*version > latest_schema_version()) {
        fail_open(path, make_error(ErrorCode::io,
                                   "schema version " + std::to_string(*version) +
                                       " was written by a newer braid (this build knows up to " +
                                       std::to_string(latest_schema_version()) + ")"));
    }
}

void configure(SqliteDb& db, const StoreOptions& options) {
    const std::string& path = db.path();
    const auto mode = opened_or_throw(path, db.query_text("PRAGMA journal_mode = WAL"));
    if (mode != "wal")
        fail_open(path,
                  make_error(ErrorCode::io, "cannot switch to WAL mode (got '" + mode + "')"));
    opened_or_throw(path, db.exec(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                                           : "PRAGMA synchronous = NORMAL"));
    opened_or_throw(path, db.exec("PRAGMA foreign_keys = ON"));
}

// Hands a flush's completion back to the awaiting coroutine's executor, keeping that executor's
// io_context alive (outstanding work) while the flush is pending.
template <class Handler>
class HandlerWaiter final : public detail::FlushWaiter {
public:
    explicit HandlerWaiter(Handler handler)
        : handler_(std::move(handler)),
          work_(asio::prefer(asio::get_associated_executor(handler_),
                             asio::execution::outstanding_work.tracked)) {}

    void complete(std::exception_ptr error) override {
        auto executor = asio::get_associated_executor(handler_);
        asio::post(executor,
                   [handler = std::move(handler_), error]() mutable { std::move(handler)(error); });
        work_ = asio::any_io_executor();
    }

private:
    Handler handler_;
    asio::any_io_executor work_;
};

template <class Record>
detail::Boxed<Record> boxed(Record record) {
    return std::make_unique<Record>(std::move(record));
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::string& path, StoreOptions options) {
    if (path.empty() || path == ":memory:" || path.starts_with("file:")) {
        throw FatalError(make_error(ErrorCode::invalid_input,
                                    "the store needs a plain file path, got '" + path + "'"));
    }
    if (!options.create) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            throw FatalError(make_error(ErrorCode::not_found, "no braid database at '" + path + "'"));
    }
    CreatedFileGuard guard(path, options.create && create_exclusively(path));

    auto db = opened_or_throw(path, SqliteDb::open(path, OpenMode::read_write_create));
    db.set_busy_timeout(options.busy_timeout_ms);
    check_is_braid_database(db);
    configure(db, options);
    migrate(db, latest_schema_version());

    auto impl = std::make_unique<Impl>(
        path, opened_or_throw(path, SqliteDb::open(path, OpenMode::read_write)));
    impl->reader.set_busy_timeout(options.busy_timeout_ms);
    opened_or_throw(path, impl->reader.exec("PRAGMA query_only = ON"));
    impl->writer = std::make_unique<detail::Writer>(std::move(db), options.max_batch_ops,
                                                    options.max_queued_ops);
    guard.dismiss();
    return std::make_unique<Store>(Key{}, std::move(impl));
}

Store::Store(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->path; }

void Store::append_event(EventRecord event) { impl_->writer->enqueue(std::move(event)); }
void Store::upsert_node(NodeRecord node) { impl_->writer->enqueue(boxed(std::move(node))); }
void Store::update_node_status(NodeStatusRecord status) {
    impl_->writer->enqueue(boxed(std::move(status)));
}
void Store::add_edge(EdgeRecord edge) { impl_->writer->enqueue(std::move(edge)); }
void Store::put_completion(CompletionRecord completion) {
    impl_->writer->enqueue(boxed(std::move(completion)));
}
void Store::put_candidate(CandidateRecord candidate) {
    impl_->writer->enqueue(boxed(std::move(candidate)));
}
void Store::put_verdict(VerdictRecord verdict) {
    impl_->writer->enqueue(boxed(std::move(verdict)));
}
void Store::put_task(TaskRecord task) { impl_->writer->enqueue(boxed(std::move(task))); }
void Store::update_run(RunRecord run) { impl_->writer->enqueue(boxed(std::move(run))); }

RunId Store::create_run(RunRecord run) {
    std::promise<RunId> created;
    auto id = created.get_future();
    impl_->writer->enqueue(boxed(detail::CreateRun{std::move(run), &created}));
    return id.get();  // rethrows the writer's FatalError
}

std::uint64_t Store::flush_sync() { return impl_->writer->flush_sync(); }

asio::awaitable<void> Store::flush() {
    detail::Writer* writer = impl_->writer.get();
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
        [writer](auto handler) {
            using Waiter = HandlerWaiter<decltype(handler)>;
            writer->add_waiter(std::make_unique<Waiter>(std::move(handler)));
        },
        asio::use_awaitable);
}

std::vector<RunRecord> Store::runs() { return impl_->read("runs", detail::read_runs); }

std::optional<RunRecord> Store::run(RunId id) {
    return impl_->read("a run", [id](SqliteDb& db) { return detail::read_run(db, id); });
}

std::vector<NodeRecord> Store::nodes(RunId run) {
    return impl_->read("nodes", [run](SqliteDb& db) { return detail::read_nodes(db, run); });
}

std::vector<EdgeRecord> Store::edges(RunId run) {
    return impl_->read("edges", [run](SqliteDb& db) { return detail::read_edges(db, run); });
}

std::vector<EventRecord> Store::events(RunId run, std::int64_t after_seq, std::int64_t limit) {
    return impl_->read(
        "events", [=](SqliteDb& db) { return detail::read_events(db, run, after_seq, limit); });
}

std::int64_t Store::max_event_seq(RunId run) {
    return impl_->read("the last event",
                       [run](SqliteDb& db) { return detail::read_max_event_seq(db, run); });
}

std::optional<CompletionRecord> Store::completion(std::string_view hash) {
    return impl_->read("a completion",
                       [hash](SqliteDb& db) { return detail::read_completion(db, hash); });
}

std::int64_t Store::count_completions() {
    return impl_->read("completions", detail::read_completion_count);
}

std::vector<CandidateRecord> Store::candidates(RunId run) {
    return impl_->read("candidates",
                       [run](SqliteDb& db) { return detail::read_candidates(db, run); });
}

std::vector<VerdictRecord> Store::verdicts(RunId run) {
    return impl_->read("verdicts", [run](SqliteDb& db) { return detail::read_verdicts(db, run); });
}

std::vector<TaskRecord> Store::tasks(RunId run) {
    return impl_->read("tasks", [run](SqliteDb& db) { return detail::read_tasks(db, run); });
}

}  // namespace braid::store
