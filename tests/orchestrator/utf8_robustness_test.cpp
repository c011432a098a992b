// Text that is not UTF-8 — from a server, a flag, a file name or a damaged database — is repaired
// where it enters, never an internal error that ends the run (issue 18, finding 2). The server is
// a real HTTP server on loopback, run on a thread of its own while a braid process talks to it.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <nlohmann/json.hpp>

#include "core/utf8.hpp"
#include "store/sqlite.hpp"
#include "tests/backends/fault_server.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;
using namespace braid::backends::testing;
using nlohmann::json;

namespace {

// Legacy-completions SSE events carrying `pieces` raw (they need not be UTF-8), then the finish.
std::vector<std::string> text_events(const std::vector<std::string>& pieces) {
    std::vector<std::string> events;
    for (const std::string& p : pieces)
        events.push_back(
            "data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"" + p +
            "\",\"finish_reason\":null}]}\n\n");
    events.push_back(
        "data: "
        "{\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":"
        "\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}"
        "\n\n");
    events.push_back("data: [DONE]\n\n");
    return events;
}

// A FaultServer answering every request with `events`, on its own thread until destroyed.
class ThreadedServer {
public:
    explicit ThreadedServer(std::vector<std::string> events)
        : server_(io_.get_executor(),
                  [events = std::move(events)](const RecordedRequest&, std::size_t) {
                      return sse_reply(events);
                  }),
          thread_([this] { io_.run(); }) {}
    ~ThreadedServer() {
        asio::post(io_, [this] { server_.stop(); });
        thread_.join();
    }
    std::string base_url() const { return server_.base_url(); }

private:
    asio::io_context io_;
    FaultServer server_;
    std::thread thread_;
};

std::string stored_text(const std::string& db) {
    auto opened = braid::store::SqliteDb::open(db, braid::store::OpenMode::read_only);
    REQUIRE(opened.has_value());
    auto text = opened->query_text("SELECT text FROM completions ORDER BY rowid LIMIT 1");
    REQUIRE(text.has_value());
    return *text;
}

}  // namespace

TEST_CASE(
    "A server splitting a UTF-8 character or sending 0xFF, a model name and a task file name "
    "that are not UTF-8 end in a stored, finished run",
    "[orchestrator][utf8]") {
    TempDir dir;
    const std::string tasks = dir / "tasks-\xff.jsonl";  // a legal Linux file name, not UTF-8
    std::filesystem::copy_file(braid::test::example("examples/countdown/sample.jsonl"), tasks);

    struct Case {
        std::vector<std::string> pieces;
        std::string expected;
    };
    const std::vector<Case> cases = {{{"pay 5 \xe2\x82", "\xac now"}, "pay 5 \xe2\x82\xac now"},
                                     {{"a \xff b"}, "a \xef\xbf\xbd b"}};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        ThreadedServer server(text_events(cases[i].pieces));
        const std::string db = dir / ("run" + std::to_string(i) + ".db");
        auto solved = braid::test::run_braid(
            {"solve", tasks, "--backend", "openai", "--base-url", server.base_url(), "--model",
             "model-\xfe", "--samples", "1", "--db", db},
            dir);
        INFO(solved.err);
        CHECK(solved.exit_code <= 1);  // answered (wrongly): no internal error
        CHECK(solved.err.find("internal error") == std::string::npos);
        auto listed = braid::test::run_braid({"runs", "ls", "--db", db, "--json"}, dir);
        REQUIRE(listed.exit_code == 0);
        const json runs = json::parse(listed.out);
        REQUIRE(runs.size() == 1);
        CHECK(runs[0]["status"] == "finished");
        CHECK(stored_text(db) == cases[i].expected);
    }
}

TEST_CASE(
    "A stored completion damaged into bytes that are not UTF-8 is shown, replayed and "
    "evaluated",
    "[orchestrator][utf8]") {
    TempDir dir;
    const std::string db = dir / "runs.db";
    auto solved =
        braid::test::run_braid({"solve", braid::test::example("examples/countdown/sample.jsonl"),
                                "--backend", "symbolic", "--samples", "2", "--db", db},
                               dir);
    REQUIRE(solved.exit_code <= 1);
    {
        auto opened = braid::store::SqliteDb::open(db, braid::store::OpenMode::read_write);
        REQUIRE(opened.has_value());
        REQUIRE(
            opened->exec("UPDATE completions SET text = CAST(x'41FF42C3' AS TEXT)").has_value());
    }
    auto shown = braid::test::run_braid({"runs", "show", "1", "--db", db, "--json"}, dir);
    INFO(shown.err);
    REQUIRE(shown.exit_code == 0);
    CHECK(braid::is_valid_utf8(shown.out));
    CHECK_FALSE(json::parse(shown.out, nullptr, false).is_discarded());
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"replay", "1", "--db", db},
          {"eval", "1", "--db", db},
          {"resume", "1", "--db", db}}) {
        auto ran = braid::test::run_braid(command, dir);
        INFO(command[0] << ": " << ran.err);
        CHECK(ran.exit_code <= 1);
        CHECK(ran.err.find("internal error") == std::string::npos);
    }
}
