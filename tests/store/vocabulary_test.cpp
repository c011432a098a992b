// The store's vocabulary (store/vocabulary.hpp): every value's name reads back as the value, the
// names are the database's text, and an unknown name — typed or read from a database — is an
// error that names it.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "store/vocabulary.hpp"
#include "tests/support/temp_dir.hpp"

using braid::ErrorCode;
using braid::FatalError;
using braid::RunId;
using namespace braid::store;
using braid::test::TempDir;

namespace {

// Every value of `values` round-trips through its name; the names are distinct and non-empty;
// `values` lists every enumerator (value i is enumerator i, and there is none past the last).
template <class Enum, std::size_t N, class Parse>
void check_round_trip(const std::array<Enum, N>& values, Parse parse) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < N; ++i) {
        const Enum value = values[i];
        INFO("value " << i << " named '" << std::string(to_string(value)) << "'");
        CHECK(static_cast<std::size_t>(value) == i);
        CHECK_FALSE(to_string(value).empty());
        names.insert(std::string(to_string(value)));
        auto parsed = parse(to_string(value));
        REQUIRE(parsed.has_value());
        CHECK(*parsed == value);
    }
    CHECK(names.size() == N);
    CHECK(to_string(static_cast<Enum>(N)).empty());  // no enumerator is missing from `values`
}

// The names of `values`, space-separated, in order.
template <class Enum, std::size_t N>
std::string names_of(const std::array<Enum, N>& values) {
    std::string out;
    for (Enum value : values) out += (out.empty() ? "" : " ") + std::string(to_string(value));
    return out;
}

template <class Parsed>
void check_rejected(const Parsed& parsed, const std::string& message) {
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == ErrorCode::parse);
    CHECK(parsed.error().message == message);
}

// Checks that `read` throws FatalError whose message contains every part.
template <class Read>
void check_read_refused(Read read, std::initializer_list<std::string> parts) {
    try {
        read();
        FAIL("the read succeeded");
    } catch (const FatalError& error) {
        CHECK(error.error().code == ErrorCode::parse);
        const std::string message = error.what();
        for (const auto& part : parts) CHECK_THAT(message, Catch::Contains(part));
    }
}

}  // namespace

TEST_CASE("every vocabulary value round-trips through its name", "[store]") {
    check_round_trip(kRunStatuses, parse_run_status);
    check_round_trip(kNodeStatuses, parse_node_status);
    check_round_trip(kNodeKinds, parse_node_kind);
    check_round_trip(kEdgeKinds, parse_edge_kind);
    check_round_trip(kTaskStatuses, parse_task_status);
    for (TaskStatus status : kTaskStatuses)
        CHECK(parse_outcome(outcome_name(status)).value() == status);
    CHECK(outcome_name(std::nullopt) == "pending");
    CHECK_FALSE(parse_outcome("pending").value().has_value());
}

TEST_CASE("vocabulary names are the text the database stores", "[store]") {
    // Changing one of these changes the database: it needs a migration, not just a new name.
    CHECK(names_of(kRunStatuses) == "running finished budget_exhausted interrupted");
    CHECK(names_of(kNodeStatuses) == "created running finished failed cancelled skipped");
    CHECK(
        names_of(kNodeKinds) ==
        "run task thread call sample attempt path search step stage tool judge select join verify");
    CHECK(names_of(kEdgeKinds) == "spawn join depends");
    CHECK(names_of(kTaskStatuses) == "solved unsolved failed budget_exhausted");
    CHECK(is_terminal(NodeStatus::skipped));
    CHECK_FALSE(is_terminal(NodeStatus::running));
}

TEST_CASE("an unknown vocabulary name is rejected naming the known ones", "[store]") {
    check_rejected(parse_run_status("done"),
                   "unknown run status 'done' (known: running, finished, budget_exhausted, interrupted)");
    check_rejected(parse_node_status("Running"),
                   "unknown node status 'Running' (known: created, running, finished, failed, "
                   "cancelled, skipped)");
    check_rejected(parse_node_kind(""),
                   "unknown node kind '' (known: run, task, thread, call, sample, attempt, path, "
                   "search, step, stage, tool, judge, select, join, verify)");
    check_rejected(parse_edge_kind("spawns"),
                   "unknown edge kind 'spawns' (known: spawn, join, depends)");
    check_rejected(
        parse_task_status("pending"),
        "unknown task status 'pending' (known: solved, unsolved, failed, budget_exhausted)");
    check_rejected(parse_outcome("done"),
                   "unknown task outcome 'done' (known: pending, solved, unsolved, failed, "
                   "budget_exhausted)");
}

TEST_CASE("a stored row with an unknown status or kind fails its read naming the row", "[store]") {
    TempDir dir;
    const std::string path = dir.file("odd.db");
    Store::open(path).reset();  // the schema
    {
        auto db = SqliteDb::open(path, OpenMode::read_write);
        REQUIRE(db.has_value());
        // Columns without a CHECK constraint: a newer build's names, or a hand-edited file.
        REQUIRE(db->exec(R"sql(
            INSERT INTO runs (id, status) VALUES (3, 'paused');
            INSERT INTO runs (id, status) VALUES (4, 'finished');
            INSERT INTO nodes (run, id, parent, path, kind, label, status)
                VALUES (4, 1, 0, 'run', 'run', '', 'finished'),
                       (4, 2, 1, 't/a', 'probe', '', 'finished');
        )sql")
                    .has_value());
    }
    auto store = Store::open(path);
    check_read_refused([&] { store->runs(); },
                       {"reading runs", path, "run 3", "unknown run status 'paused'"});
    CHECK(store->run(RunId{4})->status == RunStatus::finished);
    check_read_refused([&] { store->nodes(RunId{4}); },
                       {"reading nodes", "node 2 of run 4", "unknown node kind 'probe'"});
}
