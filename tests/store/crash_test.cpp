#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <string>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using braid::NodeId;
using braid::RunId;
using namespace braid::store;
using braid::test::TempDir;

namespace {

constexpr std::int64_t kCommitted = 5'000;   // flushed before the crash
constexpr std::int64_t kInFlight = 200'000;  // enqueued, never flushed

EventRecord make_event(RunId run, std::int64_t seq) {
    return EventRecord{run, seq, NodeId{1}, seq, "tick", R"({"seq":)" + std::to_string(seq) + "}"};
}

// The child: all store work happens here, after fork, so the child has no inherited threads.
// Exits 0 never: it dies by SIGKILL while the writer is busy with the in-flight events.
[[noreturn]] void crash_after_writing(const std::string& path) {
    try {
        auto store = Store::open(path);
        const RunId run = store->create_run(RunRecord{});
        for (std::int64_t seq = 1; seq <= kCommitted; ++seq)
            store->append_event(make_event(run, seq));
        store->flush_sync();
        for (std::int64_t seq = kCommitted + 1; seq <= kCommitted + kInFlight; ++seq)
            store->append_event(make_event(run, seq));
        ::kill(::getpid(), SIGKILL);
    } catch (const std::exception& error) {
        // Reported to the parent through the exit status; the parent's CHECK explains it.
        std::fprintf(stderr, "crash child failed: %s\n", error.what());
    }
    ::_exit(3);
}

}  // namespace

TEST_CASE("a process killed mid-batch loses no committed event and leaves a sound database",
          "[store]") {
    TempDir dir;
    const std::string path = dir.file("crash.db");
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) crash_after_writing(path);

    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    {
        auto db = SqliteDb::open(path, OpenMode::read_write);
        REQUIRE(db.has_value());
        CHECK(db->query_text("PRAGMA integrity_check").value() == "ok");
    }
    auto store = Store::open(path);
    const RunId run{1};
    const auto events = store->events(run);
    REQUIRE(events.size() >= static_cast<std::size_t>(kCommitted));
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto seq = static_cast<std::int64_t>(i) + 1;
        REQUIRE(events[i] == make_event(run, seq));  // contiguous from 1, intact payloads
    }
    CHECK(store->max_event_seq(run) == static_cast<std::int64_t>(events.size()));
}
