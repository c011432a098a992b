#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "core/async.hpp"
#include "tests/support/temp_dir.hpp"
#include "workers/tools/calculator.hpp"
#include "workers/tools/command_tool.hpp"
#include "workers/tools/file_tools.hpp"
#include "workers/tools/tool_registry.hpp"

using namespace braid;
using namespace braid::workers::tools;
using nlohmann::json;

namespace {

void write(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
}

Result<std::string> call(ToolRegistry& registry, const std::string& name, json args) {
    asio::io_context io;
    const Tool* tool = registry.find(name);
    REQUIRE(tool != nullptr);
    Result<ToolOutput> ran = async::run_sync(io, tool->run(std::move(args), registry.pool()));
    if (!ran) return std::move(ran).error();
    return std::move(ran->observation);
}

std::unique_ptr<ToolRegistry> registry_with(const test::TempDir& dir, const json& declarations) {
    write(dir / "tools.json", declarations.dump());
    auto r = make_tool_registry(dir.path().string(), dir / "tools.json");
    REQUIRE(r.has_value());
    return std::move(*r);
}

}  // namespace

TEST_CASE("The calculator evaluates arithmetic with precedence, parentheses and unary minus",
          "[workers][tools]") {
    REQUIRE(*evaluate_arithmetic("1 + 2 * 3") == 7);
    REQUIRE(*evaluate_arithmetic("(1 + 2) * 3") == 9);
    REQUIRE(*evaluate_arithmetic("-(2.5 - 4) / 0.5") == Approx(3));
    REQUIRE(*evaluate_arithmetic("10 - 4 - 3") == 3);
    REQUIRE(*evaluate_arithmetic("8 / 4 / 2") == 1);
    REQUIRE(*evaluate_arithmetic("--3") == 3);
    REQUIRE(*evaluate_arithmetic("1.5e3 + 0") == 1500);
    REQUIRE(format_number(42.0) == "42");
    REQUIRE(format_number(-0.0) == "0");
    REQUIRE(format_number(1.0 / 3.0) == "0.333333333333");
}

TEST_CASE("The calculator refuses anything that is not arithmetic, saying what",
          "[workers][tools]") {
    for (const char* bad : {"", "2 +", "(1 + 2", "1 + 2)", "abs(3)", "__import__('os')", "2 ** 3",
                            "1 / 0", "3 % 2", "1..2", "x"}) {
        INFO(bad);
        auto r = evaluate_arithmetic(bad);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().code == ErrorCode::invalid_input);
        REQUIRE_THAT(r.error().message, Catch::Contains("calculator"));
    }
    REQUIRE_THAT(evaluate_arithmetic("1 / 0").error().message, Catch::Contains("division by zero"));
    REQUIRE_FALSE(evaluate_arithmetic(std::string(100000, '(')).has_value());  // no stack overflow
    REQUIRE_FALSE(evaluate_arithmetic("1e308 * 10").has_value());              // not finite
}

TEST_CASE("The calculator tool takes one expression argument", "[workers][tools]") {
    auto registry = make_tool_registry("", "");
    REQUIRE(registry.has_value());
    REQUIRE(*call(**registry, "calculator", json::array({"(3 + 4) * 2.5"})) == "17.5");
    REQUIRE(*call(**registry, "calculator", json::array({12})) == "12");
    REQUIRE_FALSE(call(**registry, "calculator", json::array()).has_value());
    REQUIRE_FALSE(call(**registry, "calculator", json::array({"1", "2"})).has_value());
    // Without a workspace there are no file tools.
    REQUIRE((*registry)->find("read_file") == nullptr);
}

TEST_CASE("read_file reads inside the workspace and refuses paths that escape it",
          "[workers][tools]") {
    test::TempDir outside;
    write(outside / "secret.txt", "secret");
    test::TempDir dir;
    std::filesystem::create_directories(dir.path() / "sub");
    write(dir / "sub/a.txt", "hello\nworld\n");
    std::filesystem::create_symlink(outside / "secret.txt", dir / "link.txt");
    auto registry = make_tool_registry(dir.path().string(), "");
    REQUIRE(registry.has_value());
    ToolRegistry& r = **registry;

    REQUIRE(*call(r, "read_file", json::array({"sub/a.txt"})) == "hello\nworld\n");
    REQUIRE(*call(r, "read_file", json::array({"sub/../sub/a.txt"})) == "hello\nworld\n");
    for (std::string bad : {"../" + outside.path().filename().string() + "/secret.txt",
                            outside / "secret.txt", std::string("link.txt")}) {
        INFO(bad);
        auto escaped = call(r, "read_file", json::array({bad}));
        REQUIRE_FALSE(escaped.has_value());
        REQUIRE_THAT(escaped.error().message, Catch::Contains("outside the workspace"));
    }
    REQUIRE(call(r, "read_file", json::array({"missing.txt"})).error().code ==
            ErrorCode::not_found);
    REQUIRE(call(r, "read_file", json::array({"sub"})).error().code == ErrorCode::not_found);

    write(dir / "big.txt", std::string(kPlanFileTools.max_read_bytes + 10, 'x'));
    auto big = call(r, "read_file", json::array({"big.txt"}));
    REQUIRE(big->size() > kPlanFileTools.max_read_bytes);
    REQUIRE_THAT(*big, Catch::Contains("[file truncated at"));
}

TEST_CASE("search_files lists matching lines of the workspace's files only", "[workers][tools]") {
    test::TempDir outside;
    write(outside / "o.txt", "needle outside\n");
    test::TempDir dir;
    std::filesystem::create_directories(dir.path() / "src");
    write(dir / "src/m.cpp", "int a;\nint needle = 1;\n");
    write(dir / "readme.md", "no match\n");
    std::filesystem::create_directory_symlink(outside.path(), dir.path() / "out");
    auto registry = make_tool_registry(dir.path().string(), "");
    ToolRegistry& r = **registry;
    REQUIRE(*call(r, "search_files", json::array({"needle"})) == "src/m.cpp:2: int needle = 1;\n");
    REQUIRE(*call(r, "search_files", json::array({"absent"})) == "no matches");
    REQUIRE_FALSE(call(r, "search_files", json::array({""})).has_value());
}

TEST_CASE("A missing workspace folder is invalid input", "[workers][tools]") {
    auto r = make_tool_registry("/nonexistent/braid-ws", "");
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().code == ErrorCode::invalid_input);
    REQUIRE_THAT(r.error().message, Catch::Contains("--workspace"));
}

TEST_CASE("Declared command tools run in the workspace with arguments substituted",
          "[workers][tools]") {
    test::TempDir dir;
    write(dir / "in.txt", "one two three\n");
    auto registry = registry_with(
        dir, {{"tools",
               {{{"name", "echo2"},
                 {"description", "echo2(a, b)"},
                 {"command", {"echo", "{arg0}-{arg1}"}}},
                {{"name", "count"}, {"command", {"wc", "-w", "{arg0}"}}},
                {{"name", "fails"}, {"command", {"sh", "-c", "echo oops >&2; exit 3"}}},
                {{"name", "nosuch"}, {"command", {"braid-no-such-program"}}}}}});
    ToolRegistry& r = *registry;
    REQUIRE(r.find("echo2")->description() == "echo2(a, b)");
    REQUIRE(*call(r, "echo2", json::array({"x; rm -rf /", 7})) ==
            "x; rm -rf /-7\n");  // argv, no shell
    REQUIRE_THAT(*call(r, "count", json::array({"in.txt"})), Catch::StartsWith("3 in.txt"));
    auto too_few = call(r, "echo2", json::array({"a"}));
    REQUIRE_THAT(too_few.error().message, Catch::Contains("takes 2 argument"));
    auto failed = call(r, "fails", json::array());
    REQUIRE_FALSE(failed.has_value());
    REQUIRE_THAT(failed.error().message, Catch::Contains("status 3") && Catch::Contains("oops"));
    auto missing = call(r, "nosuch", json::array());
    REQUIRE_THAT(missing.error().message, Catch::Contains("cannot run"));
}

TEST_CASE("A command tool past its timeout is a timeout error, and it is sandboxed",
          "[workers][tools]") {
    test::TempDir dir;
    auto registry = registry_with(
        dir, {{"tools",
               {{{"name", "slow"}, {"command", {"sh", "-c", "sleep 30"}}, {"timeout_ms", 300}},
                {{"name", "env"}, {"command", {"env"}}}}}});
    const auto t0 = std::chrono::steady_clock::now();
    auto slow = call(*registry, "slow", json::array());
    REQUIRE_FALSE(slow.has_value());
    REQUIRE(slow.error().code == ErrorCode::timeout);
    REQUIRE(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    setenv("OPENAI_API_KEY", "sk-tool-test", 1);
    auto env = call(*registry, "env", json::array());
    unsetenv("OPENAI_API_KEY");
    REQUIRE(env.has_value());
    REQUIRE_THAT(*env, !Catch::Contains("sk-tool-test") && Catch::Contains("HOME=/tmp"));
}

TEST_CASE("Bad tool declarations are invalid input naming the field", "[workers][tools]") {
    struct Case {
        json doc;
        std::string expected;
    };
    const std::vector<Case> cases{
        {json::object(), "'tools'"},
        {{{"tools", {{{"command", {"ls"}}}}}}, "'name'"},
        {{{"tools", {{{"name", "a b"}, {"command", {"ls"}}}}}}, "'name'"},
        {{{"tools", {{{"name", "a"}}}}}, "'command'"},
        {{{"tools", {{{"name", "a"}, {"command", json::array()}}}}}, "'command'"},
        {{{"tools", {{{"name", "a"}, {"command", {"ls", 3}}}}}}, "'command'"},
        {{{"tools", {{{"name", "a"}, {"command", {"ls", "{path}"}}}}}},
         "unknown placeholder '{path}'"},
        {{{"tools", {{{"name", "a"}, {"command", {"ls", "{arg"}}}}}}, "unknown placeholder"},
        {{{"tools", {{{"name", "a"}, {"command", {"ls"}}}, {{"name", "a"}, {"command", {"ls"}}}}}},
         "tools[1] ('a'): field 'name'"},
        {{{"tools", {{{"name", "a"}, {"command", {"ls"}}, {"timeout_ms", 0}}}}}, "'timeout_ms'"},
        {{{"tools", {{{"name", "a"}, {"command", {"ls"}}, {"timeout_ms", "5"}}}}}, "'timeout_ms'"},
        {{{"tools", {{{"name", "a"}, {"command", {"ls"}}, {"network", "yes"}}}}}, "'network'"},
        {{{"tools", {{{"name", "a"}, {"command", {"ls"}}, {"description", 5}}}}}, "'description'"},
    };
    for (const Case& c : cases) {
        INFO(c.doc.dump());
        auto r = parse_tool_declarations(c.doc);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().code == ErrorCode::invalid_input);
        REQUIRE_THAT(r.error().message, Catch::Contains(c.expected));
    }
    // A declared tool may not shadow a built-in either.
    test::TempDir dir;
    write(dir / "t.json", R"({"tools":[{"name":"calculator","command":["bc"]}]})");
    auto shadow = make_tool_registry("", dir / "t.json");
    REQUIRE_THAT(shadow.error().message, Catch::Contains("declared twice"));
    write(dir / "broken.json", "{not json");
    REQUIRE_THAT(make_tool_registry("", dir / "broken.json").error().message,
                 Catch::Contains("not valid JSON"));
    REQUIRE_THAT(make_tool_registry("", dir / "absent.json").error().message,
                 Catch::Contains("cannot read"));
}

TEST_CASE("Cancelling a command tool's call kills its process group at once", "[workers][tools]") {
    test::TempDir dir;
    auto registry =
        registry_with(dir, {{"tools",
                             {{{"name", "long"},
                               {"command", {"sh", "-c", "sleep 30 & echo $! > long.pid; wait"}},
                               {"timeout_ms", 60000}}}}});
    asio::io_context io;
    asio::cancellation_signal stop;
    std::optional<Result<ToolOutput>> got;
    asio::co_spawn(
        io, (*registry).find("long")->run(json::array(), (*registry).pool()),
        asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr e, Result<ToolOutput> r) {
            REQUIRE_FALSE(e);
            got.emplace(std::move(r));
        }));
    // Cancel once the command has started (it wrote its pid file), not after a fixed delay.
    asio::steady_timer check(io);
    std::function<void(std::error_code)> poll_started = [&](std::error_code) {
        if (std::filesystem::exists(dir / "long.pid") &&
            std::filesystem::file_size(dir / "long.pid") > 0) {
            stop.emit(asio::cancellation_type::terminal);
            return;
        }
        check.expires_after(std::chrono::milliseconds(5));
        check.async_wait(poll_started);
    };
    check.expires_after(std::chrono::milliseconds(5));
    check.async_wait(poll_started);
    const auto t0 = std::chrono::steady_clock::now();
    io.run();
    REQUIRE(std::chrono::steady_clock::now() - t0 <
            std::chrono::seconds(10));  // not the 30 s sleep
    REQUIRE(got.has_value());
    REQUIRE_FALSE(got->has_value());
    REQUIRE(got->error().code == ErrorCode::cancelled);
}
