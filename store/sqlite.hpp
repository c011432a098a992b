#pragma once
// RAII handles for SQLite, the only place in braid that includes <sqlite3.h> (STYLE rule 14).
// Internal to store/: other layers use store/store.hpp and never see a sqlite3 handle.
//
// SqliteDb owns one connection, SqliteStmt one prepared statement; both are move-only. A
// statement must not outlive the connection that prepared it. A connection is used by one thread
// at a time (opened with SQLITE_OPEN_NOMUTEX); the Store guarantees that.
//
// Errors: every failing SQLite call becomes an `Error` (code io) whose message names what was
// being done and SQLite's own message. SQLITE_BUSY and SQLITE_LOCKED are expected and marked
// retryable. Bind failures with our fixed SQL are bugs and assert.

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/error.hpp"
#include "core/ids.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace braid::store {

class SqliteStmt {
public:
    SqliteStmt() = default;
    SqliteStmt(SqliteStmt&&) noexcept = default;
    SqliteStmt& operator=(SqliteStmt&&) noexcept = default;

    bool valid() const { return stmt_ != nullptr; }
    std::string_view sql() const;

    // Bind parameter `index` (1-based). Text is bound without copying: the bytes must stay alive
    // until the statement has been stepped to completion or reset.
    void bind_int(int index, std::int64_t value);
    void bind_double(int index, double value);
    void bind_text(int index, std::string_view value);
    void bind_null(int index);

    // Binds every argument in order from parameter 1: integers, StrongIds, doubles, text. A
    // temporary std::string is refused at compile time (it would dangle, see bind_text).
    template <class... Args>
    SqliteStmt& bind_all(Args&&... args) {
        static_assert(!(... || (std::is_same_v<std::remove_cvref_t<Args>, std::string> &&
                                !std::is_lvalue_reference_v<Args>)),
                      "bind_all: a temporary std::string would dangle; bind a named string");
        int index = 1;
        (bind_one(index++, args), ...);
        return *this;
    }

    // One step: true when a row is available, false when the statement is done.
    Result<bool> step();
    // Steps to completion (for statements that return no rows we need), then resets.
    Result<void> run();
    // Resets the statement so it can be re-bound and stepped again; keeps the bindings.
    void reset();

    std::int64_t column_int(int column) const;
    double column_double(int column) const;
    std::string column_text(int column) const;  // NULL reads as ""
    bool column_is_null(int column) const;

private:
    friend class SqliteDb;
    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const;
    };
    SqliteStmt(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}

    template <std::integral T>
    void bind_one(int index, T value) {
        bind_int(index, static_cast<std::int64_t>(value));
    }
    template <class Tag>
    void bind_one(int index, StrongId<Tag> id) {
        bind_int(index, id.value);
    }
    void bind_one(int index, double value) { bind_double(index, value); }
    void bind_one(int index, std::string_view value) { bind_text(index, value); }

    std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
    sqlite3* db_ = nullptr;  // not owned; for error messages
};

enum class OpenMode {
    read_write_create,  // create the file if it does not exist
    read_write,         // the file must exist
    read_only,
    // Read-only, and SQLite may assume nobody writes the file meanwhile (the `immutable` URI
    // parameter): the one way to read a WAL database whose folder is read-only and which has no
    // -shm file (SQLITE_READONLY_DIRECTORY otherwise).
    read_only_immutable,
};

class SqliteDb {
public:
    // Opens (or creates, per `mode`) the database at `path`. Fails with code io when the file
    // cannot be opened; nothing is created then.
    static Result<SqliteDb> open(const std::string& path, OpenMode mode);

    SqliteDb(SqliteDb&&) noexcept = default;
    SqliteDb& operator=(SqliteDb&&) noexcept = default;

    const std::string& path() const { return path_; }

    // Runs one or more `;`-separated statements that return no rows we need.
    Result<void> exec(std::string_view sql);
    Result<SqliteStmt> prepare(std::string_view sql);
    // The first column of the first row of `sql` as an integer (0 when there is no row).
    Result<std::int64_t> query_int(std::string_view sql);
    // The first column of the first row of `sql` as text ("" when there is no row).
    Result<std::string> query_text(std::string_view sql);

    void set_busy_timeout(int timeout_ms);
    std::int64_t last_insert_rowid() const;
    bool in_transaction() const;

private:
    struct Closer {
        void operator()(sqlite3* db) const;
    };
    SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

    std::unique_ptr<sqlite3, Closer> db_;
    std::string path_;
};

}  // namespace braid::store
