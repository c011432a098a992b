#include "store/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

#include "core/assert.hpp"
#include "store/queries.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/writer.hpp"

namespace braid::store {

struct Store::Impl {
    Impl(std::string path_in, SqliteDb reader_in)
        : path(std::move(path_in)), reader(std::move(reader_in)) {}

    std::atomic<std::uint64_t> bytes_enqueued{0};  // Store::bytes_enqueued()
    void count(std::size_t bytes) { bytes_enqueued.fetch_add(bytes, std::memory_order_relaxed); }

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
    std::unique_ptr<detail::Writer> writer;  // declared last: destroyed (drained) first; null
                                             // when opened read-only

    detail::Writer& writer_or_die() {
        BRAID_ASSERT(writer != nullptr, "a write to a store opened read-only");
        return *writer;
    }
};

namespace {

// A database that cannot be opened is the user's --db path at fault (exit 2), whatever the cause.
[[noreturn]] void fail_open(const std::string& path, Error error) {
    error.code = ErrorCode::invalid_input;
    throw FatalError(
        std::move(error).with_context("cannot use '" + path + "' as a braid database"));
}

template <class T>
T opened_or_throw(const std::string& path, Result<T> result) {
    if (!result) fail_open(path, std::move(result).error());
    return std::move(result).value();
}

// Removes a file and the side files SQLite may leave beside it.
void remove_database_files(const std::string& path) {
    std::error_code ignored;  // best effort: callers are cleaning up after themselves
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(path + suffix, ignored);
}

// Removes a private database file, and its side files, when it goes out of scope.
class PrivateFileGuard {
public:
    explicit PrivateFileGuard(std::string path) : path_(std::move(path)) {}
    ~PrivateFileGuard() { remove_database_files(path_); }
    PrivateFileGuard(const PrivateFileGuard&) = delete;
    PrivateFileGuard& operator=(const PrivateFileGuard&) = delete;

private:
    std::string path_;
};

// Moves `from` to `to` unless a file is at `to` already; then `from` stays. Atomic: of several
// processes moving onto one `to`, exactly one succeeds.
void move_unless_exists(const std::string& from, const std::string& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return;
    int error = errno;
    if (error == EINVAL || error == ENOSYS) {  // a file system without RENAME_NOREPLACE
        if (::link(from.c_str(), to.c_str()) == 0) return;
        error = errno;
    }
    if (error == EEXIST) return;
    fail_open(to, make_error(ErrorCode::io, std::string("cannot create it: ") + std::strerror(error)));
}

// Checks, reading only, that `db` is empty or a braid database this build can migrate. The three
// reads share one read transaction: another process may be migrating the schema meanwhile, and
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

// Creates a braid database at `path` when no file is there. The schema is built in a private file
// beside `path` and moved into place whole, so no process ever opens a half-made database and
// none has to switch another's file to WAL (SQLite may refuse that with SQLITE_BUSY without
// waiting). Losing the race to another process creating `path` is not an error.
void create_database(const std::string& path, const StoreOptions& options) {
    std::string private_path = path + ".new-XXXXXX";
    const int fd = ::mkstemp(private_path.data());  // a unique name, even for threads of one process
    if (fd < 0)
        fail_open(path, make_error(ErrorCode::io, std::string("cannot create it: ") + std::strerror(errno)));
    PrivateFileGuard guard(private_path);
    const int chmod_error = ::fchmod(fd, 0644) == 0 ? 0 : errno;  // mkstemp's 0600 hides runs from others
    ::close(fd);
    if (chmod_error != 0)
        fail_open(path, make_error(ErrorCode::io, std::string("cannot set its mode: ") + std::strerror(chmod_error)));
    {
        auto db = opened_or_throw(path, SqliteDb::open(private_path, OpenMode::read_write_create));
        configure(db, options);
        migrate(db, latest_schema_version());
    }  // closing the last connection checkpoints the WAL into the file
    move_unless_exists(private_path, path);
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
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        if (!options.create)
            throw FatalError(make_error(ErrorCode::not_found, "no braid database at '" + path + "'"));
        create_database(path, options);
    }

    auto db = opened_or_throw(path, SqliteDb::open(path, OpenMode::read_write));
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
    return std::make_unique<Store>(Key{}, std::move(impl));
}

std::unique_ptr<Store> Store::open_read_only(const std::string& path, int busy_timeout_ms) {
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec))
        throw FatalError(make_error(ErrorCode::not_found, "no braid database at '" + path + "'"));
    auto db = opened_or_throw(path, SqliteDb::open(path, OpenMode::read_only));
    db.set_busy_timeout(busy_timeout_ms);
    if (!db.query_int("PRAGMA application_id")) {
        // No -shm file and no right to create one: only an immutable read is possible.
        db = opened_or_throw(path, SqliteDb::open(path, OpenMode::read_only_immutable));
    }
    check_is_braid_database(db);
    const auto version = opened_or_throw(path, schema_version(db));
    if (version < latest_schema_version())
        fail_open(path, make_error(ErrorCode::invalid_input,
                                   "schema version " + std::to_string(version) +
                                       " is older than this build's; a command that writes to it "
                                       "(braid resume) migrates it"));
    return std::make_unique<Store>(Key{}, std::make_unique<Impl>(path, std::move(db)));
}

Store::Store(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->path; }

void Store::append_event(EventRecord event) {
    impl_->count(event.type.size() + event.payload_json.size());
    impl_->writer_or_die().enqueue(std::move(event));
}
void Store::upsert_node(NodeRecord node) { impl_->writer_or_die().enqueue(boxed(std::move(node))); }
void Store::update_node_status(NodeStatusRecord status) {
    impl_->writer_or_die().enqueue(boxed(std::move(status)));
}
void Store::add_edge(EdgeRecord edge) { impl_->writer_or_die().enqueue(std::move(edge)); }
void Store::put_completion(CompletionRecord completion) {
    impl_->count(completion.request_json.size() + completion.text.size());
    impl_->writer_or_die().enqueue(boxed(std::move(completion)));
}
void Store::put_candidate(CandidateRecord candidate) {
    impl_->count(candidate.output.size() + candidate.normalized.size());
    impl_->writer_or_die().enqueue(boxed(std::move(candidate)));
}
void Store::put_verdict(VerdictRecord verdict) {
    impl_->writer_or_die().enqueue(boxed(std::move(verdict)));
}
void Store::put_task(TaskRecord task) { impl_->writer_or_die().enqueue(boxed(std::move(task))); }
void Store::update_run(RunRecord run) { impl_->writer_or_die().enqueue(boxed(std::move(run))); }

RunId Store::create_run(RunRecord run) {
    std::promise<RunId> created;
    auto id = created.get_future();
    impl_->writer_or_die().enqueue(boxed(detail::CreateRun{std::move(run), &created}));
    return id.get();  // rethrows the writer's FatalError
}

std::uint64_t Store::bytes_enqueued() const {
    return impl_->bytes_enqueued.load(std::memory_order_relaxed);
}

std::uint64_t Store::flush_sync() { return impl_->writer_or_die().flush_sync(); }

asio::awaitable<void> Store::flush() {
    detail::Writer* writer = &impl_->writer_or_die();
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
