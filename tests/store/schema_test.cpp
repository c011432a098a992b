#include <catch2/catch.hpp>

#include <filesystem>

#include "store/schema.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using braid::ErrorCode;
using braid::FatalError;
using braid::RunId;
using braid::Usage;
using braid::store::CompletionRecord;
using braid::store::latest_schema_version;
using braid::store::migrate;
using braid::store::OpenMode;
using braid::store::schema_version;
using braid::store::SqliteDb;
using braid::store::Store;
using braid::test::read_file_bytes;
using braid::test::TempDir;
using braid::test::write_file_bytes;

namespace {

SqliteDb raw_db(const std::string& path) {
    auto db = SqliteDb::open(path, OpenMode::read_write_create);
    REQUIRE(db.has_value());
    return std::move(db).value();
}

int version_of(const std::string& path) {
    auto db = raw_db(path);
    auto version = schema_version(db);
    REQUIRE(version.has_value());
    return *version;
}

// Checks that Store::open(path) throws FatalError (code invalid_input: the --db path is at fault, exit 2) whose message contains every part.
void check_open_refused(const std::string& path, std::initializer_list<std::string> parts) {
    try {
        Store::open(path);
        FAIL("Store::open succeeded on " << path);
    } catch (const FatalError& error) {
        CHECK(error.error().code == ErrorCode::invalid_input);
        const std::string message = error.what();
        for (const auto& part : parts) CHECK_THAT(message, Catch::Contains(part));
    }
}

}  // namespace

TEST_CASE("a fresh database gets the latest schema version", "[store]") {
    TempDir dir;
    const std::string path = dir.file("fresh.db");
    Store::open(path).reset();
    CHECK(latest_schema_version() >= 2);
    CHECK(version_of(path) == latest_schema_version());
    auto db = raw_db(path);
    CHECK(db.query_text("PRAGMA journal_mode").value() == "wal");
    CHECK(db.query_int("PRAGMA application_id").value() == braid::store::kApplicationId);
}

TEST_CASE("reopening a v1 database migrates it to the latest schema and keeps its data",
          "[store]") {
    TempDir dir;
    const std::string path = dir.file("old.db");
    {
        auto db = raw_db(path);
        migrate(db, 1);
        REQUIRE(schema_version(db).value() == 1);
        // Rows written with v1's columns only, as a v1 build would have.
        const char* v1_rows = R"sql(
            INSERT INTO runs (id, started_ms, command, status, seed)
                VALUES (7, 100, 'solve x', 'finished', 3);
            INSERT INTO nodes (run, id, parent, path, kind, label)
                VALUES (7, 1, 0, 't/a', 'thread', 'A');
            INSERT INTO events (run, seq, node, time_ms, type, payload)
                VALUES (7, 1, 1, 5, 'node_created', '{}'),
                       (7, 2, 1, 6, 'node_finished', '{"ok":1}');
            INSERT INTO tasks (run, task_id, kind, input, outcome, answer)
                VALUES (7, 'cd-1', 'countdown', '{}', 'solved', '42');
            INSERT INTO completions (hash, request, text) VALUES ('h1', '{}', 'hello');
        )sql";
        REQUIRE(db.exec(v1_rows).has_value());
    }
    {
        auto store = Store::open(path);
        auto run = store->run(RunId{7});
        REQUIRE(run.has_value());
        CHECK(run->command == "solve x");
        CHECK(run->seed == 3);
        CHECK(store->nodes(RunId{7}).at(0).path == "t/a");
        auto events = store->events(RunId{7});
        REQUIRE(events.size() == 2);
        CHECK(events[1].payload_json == R"({"ok":1})");
        auto tasks = store->tasks(RunId{7});
        REQUIRE(tasks.size() == 1);
        CHECK(tasks[0].answer == "42");
        CHECK(tasks[0].selected_node.value == 0);  // the v2 column's default
        CHECK(store->completion("h1")->text == "hello");
        CHECK(store->completion("h1")->stop_sequence.empty());  // the v3 column's default
    }
    CHECK(version_of(path) == latest_schema_version());
    auto db = raw_db(path);
    CHECK(
        db.query_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_by_node'").value() ==
        1);
}

TEST_CASE("migrating a database backwards is refused", "[store]") {
    TempDir dir;
    auto db = raw_db(dir.file("a.db"));
    migrate(db, latest_schema_version());
    CHECK_THROWS_WITH(migrate(db, 1), Catch::Contains("newer"));
}

TEST_CASE("migrating a file that is not a database is a FatalError naming the file", "[store]") {
    TempDir dir;
    const std::string path = dir.file("junk.db");
    write_file_bytes(path, std::string(1000, 'j'));
    auto db = raw_db(path);
    CHECK_THROWS_WITH(migrate(db, 1), Catch::Contains(path) && Catch::Contains("not a database"));
}

TEST_CASE("a failing migration step is a FatalError naming the file", "[store]") {
    TempDir dir;
    const std::string path = dir.file("clash.db");
    auto db = raw_db(path);
    REQUIRE(db.exec("CREATE TABLE runs (x)").has_value());  // v1 would create it again
    CHECK_THROWS_WITH(migrate(db, 1), Catch::Contains(path) && Catch::Contains("already exists"));
    CHECK(schema_version(db).value() == 0);
    CHECK_FALSE(db.in_transaction());
}

TEST_CASE("a database with a newer schema version is refused and left alone", "[store]") {
    TempDir dir;
    const std::string path = dir.file("future.db");
    {
        auto db = raw_db(path);
        migrate(db, latest_schema_version());
        REQUIRE(db.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1))
                    .has_value());
    }
    const std::string before = read_file_bytes(path);
    check_open_refused(path, {path, "newer braid"});
    CHECK(read_file_bytes(path) == before);
    CHECK(version_of(path) == latest_schema_version() + 1);
}

TEST_CASE("a file that is not a database is refused and not modified", "[store]") {
    TempDir dir;
    const std::string path = dir.file("notes.txt");
    const std::string text(2000, 'x');
    write_file_bytes(path, text);
    check_open_refused(path, {path, "not a database"});
    CHECK(read_file_bytes(path) == text);
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_CASE("an SQLite database of another application is refused and not modified", "[store]") {
    TempDir dir;
    const std::string path = dir.file("other.db");
    {
        auto db = raw_db(path);
        REQUIRE(db.exec("CREATE TABLE stuff (x); INSERT INTO stuff VALUES (1)").has_value());
    }
    const std::string before = read_file_bytes(path);
    check_open_refused(path, {path, "not a braid database"});
    CHECK(read_file_bytes(path) == before);
}

TEST_CASE("opening a store in a missing directory throws naming the path and creates nothing",
          "[store]") {
    TempDir dir;
    const std::string path = dir.file("no/such/dir/x.db");
    check_open_refused(path, {path, "cannot create it: No such file or directory"});
    CHECK_FALSE(std::filesystem::exists(dir.file("no")));
    check_open_refused("/nonexistent/dir/x.db", {"/nonexistent/dir/x.db"});
}

TEST_CASE("opening a store below a regular file throws naming the path", "[store]") {
    TempDir dir;
    write_file_bytes(dir.file("plain"), "not a directory");
    const std::string path = dir.file("plain/x.db");
    check_open_refused(path, {path});
    CHECK(read_file_bytes(dir.file("plain")) == "not a directory");
}

TEST_CASE("a store needs a plain file path", "[store]") {
    for (const std::string path : {"", ":memory:", "file:x.db?mode=memory"}) {
        try {
            Store::open(path);
            FAIL("Store::open accepted '" << path << "'");
        } catch (const FatalError& error) {
            CHECK(error.error().code == ErrorCode::invalid_input);
            CHECK_THAT(error.what(), Catch::Contains("plain file path"));
        }
    }
}

TEST_CASE("a v2 database gains the completions.stop_sequence column and keeps its rows",
          "[store]") {
    TempDir dir;
    const std::string path = dir.file("v2.db");
    {
        auto db = raw_db(path);
        migrate(db, 2);
        REQUIRE(db.exec("INSERT INTO completions (hash, request, text, finish_reason)"
                        " VALUES ('h2', '{}', 'done', 'stop')")
                    .has_value());
    }
    auto store = Store::open(path);
    CHECK(version_of(path) == latest_schema_version());
    auto old = store->completion("h2");
    REQUIRE(old.has_value());
    CHECK(old->text == "done");
    CHECK(old->stop_sequence.empty());
    CompletionRecord fresh{"h3", "{}", "x", "stop", "</Path>", Usage{1, 2, 0}, 1.0, "local", "m", 5};
    store->put_completion(fresh);
    store->flush_sync();
    CHECK(store->completion("h3") == fresh);
}
