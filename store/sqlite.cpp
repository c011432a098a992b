#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <cctype>
#include <climits>
#include <filesystem>

namespace braid::store {

namespace {

bool is_retryable(int rc) {
    const int primary = rc & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Converts a failing return code into an Error. `db` may be null (then only the code's text).
Error sqlite_error(sqlite3* db, int rc, std::string_view context) {
    std::string message(context);
    message += ": ";
    message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    message += " (sqlite code " + std::to_string(rc) + ")";
    return make_error(ErrorCode::io, std::move(message), is_retryable(rc));
}

int to_int_length(std::string_view text) {
    BRAID_ASSERT(text.size() <= static_cast<std::size_t>(INT_MAX), "SQL text over 2 GiB");
    return static_cast<int>(text.size());
}

void check_bind(int rc, std::string_view what) { BRAID_ASSERT(rc == SQLITE_OK, what.data()); }

}  // namespace

// ---- SqliteStmt -------------------------------------------------------------------------------

void SqliteStmt::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

std::string_view SqliteStmt::sql() const {
    const char* text = stmt_ ? sqlite3_sql(stmt_.get()) : nullptr;
    return text != nullptr ? std::string_view(text) : std::string_view();
}

void SqliteStmt::bind_int(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(stmt_.get(), index, value), "sqlite3_bind_int64 failed");
}

void SqliteStmt::bind_double(int index, double value) {
    check_bind(sqlite3_bind_double(stmt_.get(), index, value), "sqlite3_bind_double failed");
}

void SqliteStmt::bind_text(int index, std::string_view value) {
    // SQLITE_STATIC: no copy; the caller keeps the bytes alive until step/reset (see header).
    // A non-null pointer for empty text so it binds as '' rather than NULL.
    const char* data = value.data() != nullptr ? value.data() : "";
    check_bind(
        sqlite3_bind_text64(stmt_.get(), index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8),
        "sqlite3_bind_text64 failed");
}

void SqliteStmt::bind_null(int index) {
    check_bind(sqlite3_bind_null(stmt_.get(), index), "sqlite3_bind_null failed");
}

Result<bool> SqliteStmt::step() {
    BRAID_ASSERT(stmt_ != nullptr, "step on an empty statement");
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error error = sqlite_error(db_, rc, "running '" + std::string(sql()) + "'");
    sqlite3_reset(stmt_.get());
    return error;
}

Result<void> SqliteStmt::run() {
    for (;;) {
        auto more = step();
        if (!more) return std::move(more).error();
        if (!*more) break;
    }
    reset();
    return {};
}

void SqliteStmt::reset() { sqlite3_reset(stmt_.get()); }

std::int64_t SqliteStmt::column_int(int column) const {
    return sqlite3_column_int64(stmt_.get(), column);
}

double SqliteStmt::column_double(int column) const {
    return sqlite3_column_double(stmt_.get(), column);
}

std::string SqliteStmt::column_text(int column) const {
    const auto* text = sqlite3_column_text(stmt_.get(), column);
    if (text == nullptr) return {};
    const int bytes = sqlite3_column_bytes(stmt_.get(), column);
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(bytes));
}

bool SqliteStmt::column_is_null(int column) const {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

// ---- SqliteDb ---------------------------------------------------------------------------------

namespace {

// A file: URI naming `path` with immutable=1; every byte but unreserved ones and '/' is
// percent-encoded, so any path survives.
std::string immutable_uri(const std::string& path) {
    static constexpr char hex[] = "0123456789ABCDEF";
    const std::string absolute = std::filesystem::absolute(path).string();
    std::string uri = "file:";
    for (const char ch : absolute) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
            uri += ch;
        } else {
            uri += '%';
            uri += hex[c >> 4];
            uri += hex[c & 0xF];
        }
    }
    return uri + "?immutable=1";
}

}  // namespace

void SqliteDb::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Result<SqliteDb> SqliteDb::open(const std::string& path, OpenMode mode) {
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (mode) {
        case OpenMode::read_write_create:
            flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
            break;
        case OpenMode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
        case OpenMode::read_only: flags |= SQLITE_OPEN_READONLY; break;
        case OpenMode::read_only_immutable:
            flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
            break;
    }
    const std::string name =
        mode == OpenMode::read_only_immutable ? immutable_uri(path) : path;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
    // sqlite3_open_v2 returns a handle even on failure (for the message); close it either way.
    SqliteDb db(raw, path);
    if (rc != SQLITE_OK) return sqlite_error(raw, rc, "cannot open database '" + path + "'");
    sqlite3_extended_result_codes(raw, 1);
    return db;
}

Result<void> SqliteDb::exec(std::string_view sql) {
    const std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
    char* message = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);  // sqlite3_errmsg below carries the same text
    if (rc != SQLITE_OK) return sqlite_error(db_.get(), rc, "running '" + text + "'");
    return {};
}

Result<SqliteStmt> SqliteDb::prepare(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), to_int_length(sql),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    SqliteStmt stmt(raw, db_.get());
    if (rc != SQLITE_OK) return sqlite_error(db_.get(), rc, "preparing '" + std::string(sql) + "'");
    BRAID_ASSERT(raw != nullptr, "prepare of empty SQL");
    return stmt;
}

Result<std::int64_t> SqliteDb::query_int(std::string_view sql) {
    auto stmt = prepare(sql);
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    return *row ? stmt->column_int(0) : std::int64_t{0};
}

Result<std::string> SqliteDb::query_text(std::string_view sql) {
    auto stmt = prepare(sql);
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    return *row ? stmt->column_text(0) : std::string();
}

void SqliteDb::set_busy_timeout(int timeout_ms) { sqlite3_busy_timeout(db_.get(), timeout_ms); }

std::int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

bool SqliteDb::in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

}  // namespace braid::store
