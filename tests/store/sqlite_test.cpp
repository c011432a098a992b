#include <catch2/catch.hpp>

#include <filesystem>

#include "store/sqlite.hpp"
#include "tests/support/temp_dir.hpp"

using braid::ErrorCode;
using braid::store::OpenMode;
using braid::store::SqliteDb;
using braid::test::TempDir;

namespace {

SqliteDb open_db(const std::string& path) {
    auto db = SqliteDb::open(path, OpenMode::read_write_create);
    REQUIRE(db.has_value());
    return std::move(db).value();
}

}  // namespace

TEST_CASE("a statement binds, steps and reads back every column type", "[store]") {
    TempDir dir;
    auto db = open_db(dir.file("a.db"));
    REQUIRE(db.exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, n TEXT)").has_value());
    auto insert = db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
    REQUIRE(insert.has_value());
    const std::string hello = "hello";
    insert->bind_all(42, 2.5, hello, std::string_view(""));
    insert->bind_null(4);
    REQUIRE(insert->run().has_value());

    auto select = db.prepare("SELECT i, d, s, n FROM t");
    REQUIRE(select.has_value());
    auto row = select->step();
    REQUIRE(row.has_value());
    REQUIRE(*row);
    CHECK(select->column_int(0) == 42);
    CHECK(select->column_double(1) == 2.5);
    CHECK(select->column_text(2) == "hello");
    CHECK(select->column_is_null(3));
    CHECK(select->column_text(3).empty());
    auto done = select->step();
    REQUIRE(done.has_value());
    CHECK_FALSE(*done);
}

TEST_CASE("opening a database in a missing directory fails without creating anything", "[store]") {
    TempDir dir;
    const std::string path = dir.file("missing/a.db");
    auto db = SqliteDb::open(path, OpenMode::read_write_create);
    REQUIRE_FALSE(db.has_value());
    CHECK(db.error().code == ErrorCode::io);
    CHECK(db.error().message.find(path) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.file("missing")));
}

TEST_CASE("opening a missing file without create fails", "[store]") {
    TempDir dir;
    auto db = SqliteDb::open(dir.file("none.db"), OpenMode::read_write);
    REQUIRE_FALSE(db.has_value());
    CHECK_FALSE(std::filesystem::exists(dir.file("none.db")));
}

TEST_CASE("preparing bad SQL is an error that quotes the SQL", "[store]") {
    TempDir dir;
    auto db = open_db(dir.file("a.db"));
    auto stmt = db.prepare("SELEC nonsense");
    REQUIRE_FALSE(stmt.has_value());
    CHECK(stmt.error().code == ErrorCode::io);
    CHECK(stmt.error().message.find("SELEC nonsense") != std::string::npos);
    CHECK_FALSE(stmt.error().retryable);

    auto exec = db.exec("CREATE TABLE");
    REQUIRE_FALSE(exec.has_value());
    CHECK(exec.error().message.find("CREATE TABLE") != std::string::npos);
    CHECK_FALSE(db.query_int("SELECT * FROM missing_table").has_value());
    CHECK_FALSE(db.query_text("SELECT * FROM missing_table").has_value());
}

TEST_CASE("a failing step is a non-retryable error naming the statement", "[store]") {
    TempDir dir;
    auto db = open_db(dir.file("a.db"));
    REQUIRE(db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY)").has_value());
    auto insert = db.prepare("INSERT INTO t VALUES (?)");
    REQUIRE(insert.has_value());
    insert->bind_all(1);
    REQUIRE(insert->run().has_value());
    insert->bind_all(1);
    auto again = insert->run();
    REQUIRE_FALSE(again.has_value());
    CHECK_FALSE(again.error().retryable);
    CHECK(again.error().message.find("UNIQUE") != std::string::npos);
    CHECK(again.error().message.find("INSERT INTO t") != std::string::npos);
    // The statement was reset by the failure and can be used again.
    insert->bind_all(2);
    CHECK(insert->run().has_value());
}

TEST_CASE("a write lock held by another connection is a retryable busy error", "[store]") {
    TempDir dir;
    auto holder = open_db(dir.file("a.db"));
    REQUIRE(holder.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x)").has_value());
    auto other = open_db(dir.file("a.db"));
    other.set_busy_timeout(0);
    REQUIRE(holder.exec("BEGIN IMMEDIATE").has_value());
    CHECK(holder.in_transaction());

    auto busy = other.exec("BEGIN IMMEDIATE");
    REQUIRE_FALSE(busy.has_value());
    CHECK(busy.error().retryable);
    CHECK(busy.error().code == ErrorCode::io);

    auto insert = other.prepare("INSERT INTO t VALUES (1)");
    REQUIRE(insert.has_value());
    auto step = insert->step();
    REQUIRE_FALSE(step.has_value());
    CHECK(step.error().retryable);

    REQUIRE(holder.exec("COMMIT").has_value());
    CHECK(insert->run().has_value());
    CHECK(other.last_insert_rowid() == 1);
}
