// workers::tools: the file tools (read_file, search, edit) as the SWE agent calls them
// (kAgentFileTools, arguments by name) on a plain folder, and the workspace path check.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>

#include "core/async.hpp"
#include "tests/support/temp_dir.hpp"
#include "workers/tools/file_tools.hpp"

using namespace braid;
using namespace braid::workers::tools;
namespace fs = std::filesystem;

namespace {

// A call's result as the agent shows it: ok, and the observation or the error's message.
struct ToolOutcome {
    bool ok = false;
    std::string content;
};

ToolOutcome outcome_of(std::unique_ptr<Tool> tool, nlohmann::json args) {
    asio::thread_pool pool(1);
    asio::io_context io;
    auto ran = async::run_sync(io, tool->run(std::move(args), pool));
    pool.join();
    return ran ? ToolOutcome{true, ran->observation} : ToolOutcome{false, ran.error().message};
}

ToolOutcome read_file_tool(const fs::path& root, nlohmann::json args) {
    return outcome_of(make_read_file_tool(root, kAgentFileTools), std::move(args));
}
ToolOutcome search_tool(const fs::path& root, nlohmann::json args) {
    return outcome_of(make_search_tool(root, kAgentFileTools), std::move(args));
}
ToolOutcome edit_tool(const fs::path& root, nlohmann::json args) {
    return outcome_of(make_edit_tool(root, kAgentFileTools), std::move(args));
}
Result<fs::path> workspace_path(const fs::path& root, const std::string& path) {
    return resolve_in_workspace(root, path);
}

struct Folder {
    test::TempDir dir;
    fs::path root = dir.path() / "ws";
    Folder() {
        fs::create_directories(root / "calc");
        write("calc/ops.py", "def add(a, b):\n    return a - b\n\ndef sub(a, b):\n    return a - b\n");
        write("README", "calculator\n");
    }
    void write(const std::string& rel, const std::string& text) const {
        std::ofstream(root / rel, std::ios::binary) << text;
    }
    std::string read(const std::string& rel) const { return test::read_file_bytes((root / rel).string()); }
};

}  // namespace

TEST_CASE("read_file numbers the lines of a range", "[workers][tools]") {
    Folder f;
    ToolOutcome all = read_file_tool(f.root, {{"path", "calc/ops.py"}});
    REQUIRE(all.ok);
    CHECK(all.content.rfind("1\tdef add(a, b):\n2\t    return a - b\n", 0) == 0);
    ToolOutcome part = read_file_tool(f.root, {{"path", "calc/ops.py"}, {"start", 4}, {"end", 5}});
    REQUIRE(part.ok);
    CHECK(part.content == "4\tdef sub(a, b):\n5\t    return a - b\n");
    CHECK_FALSE(read_file_tool(f.root, {{"path", "calc/ops.py"}, {"start", 9}}).ok);
    CHECK_FALSE(read_file_tool(f.root, {{"path", "calc/ops.py"}, {"start", 3}, {"end", 2}}).ok);
    CHECK_FALSE(read_file_tool(f.root, {{"path", "calc/ops.py"}, {"start", "one"}}).ok);
    ToolOutcome missing = read_file_tool(f.root, {{"path", "nope.py"}});
    CHECK_FALSE(missing.ok);
    CHECK(missing.content.find("not a file") != std::string::npos);
    CHECK_FALSE(read_file_tool(f.root, nlohmann::json::object()).ok);
}

TEST_CASE("search finds regex matches as path:line, under a folder or everywhere", "[workers][tools]") {
    Folder f;
    fs::create_directories(f.root / ".git");
    f.write(".git/config", "def add hidden\n");
    ToolOutcome hits = search_tool(f.root, {{"pattern", "^def (add|sub)"}});
    REQUIRE(hits.ok);
    CHECK(hits.content == "calc/ops.py:1: def add(a, b):\ncalc/ops.py:4: def sub(a, b):\n");
    ToolOutcome under = search_tool(f.root, {{"pattern", "calc"}, {"path", "calc"}});
    CHECK(under.content.find("README") == std::string::npos);
    CHECK(search_tool(f.root, {{"pattern", "zzz"}}).content == "no matches");
    ToolOutcome bad = search_tool(f.root, {{"pattern", "("}});
    CHECK_FALSE(bad.ok);
    CHECK(bad.content.find("invalid regex") == 0);
    CHECK_FALSE(search_tool(f.root, {{"pattern", "x"}, {"path", "../"}}).ok);
}

TEST_CASE("edit replaces text that occurs exactly once, and creates files with old empty", "[workers][tools]") {
    Folder f;
    ToolOutcome twice = edit_tool(f.root, {{"path", "calc/ops.py"}, {"old", "return a - b"}, {"new", "return a + b"}});
    CHECK_FALSE(twice.ok);
    CHECK(twice.content.find("occurs 2 times") != std::string::npos);
    ToolOutcome none = edit_tool(f.root, {{"path", "calc/ops.py"}, {"old", "a * b"}, {"new", "x"}});
    CHECK_FALSE(none.ok);
    CHECK(none.content.find("does not occur") != std::string::npos);
    CHECK(f.read("calc/ops.py") == "def add(a, b):\n    return a - b\n\ndef sub(a, b):\n    return a - b\n");

    ToolOutcome once = edit_tool(f.root, {{"path", "calc/ops.py"}, {"old", "add(a, b):\n    return a - b"},
                                          {"new", "add(a, b):\n    return a + b"}});
    REQUIRE(once.ok);
    CHECK(once.content == "edited calc/ops.py at line 1");
    CHECK(f.read("calc/ops.py") == "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n");

    ToolOutcome created = edit_tool(f.root, {{"path", "tests/test_new.py"}, {"old", ""}, {"new", "x = 1\n"}});
    REQUIRE(created.ok);
    CHECK(f.read("tests/test_new.py") == "x = 1\n");
    CHECK_FALSE(edit_tool(f.root, {{"path", "README"}, {"old", ""}, {"new", "again"}}).ok);
    CHECK(f.read("README") == "calculator\n");
    CHECK_FALSE(edit_tool(f.root, {{"path", "README"}, {"old", "calculator"}}).ok);  // no "new"
}

TEST_CASE("Paths that leave the workspace are refused: absolute, .. and symlinks out", "[workers][tools]") {
    Folder f;
    std::ofstream(f.dir.path() / "secret.txt") << "TOP-SECRET\n";
    fs::create_symlink(f.dir.path(), f.root / "out");
    fs::create_symlink(f.dir.path() / "secret.txt", f.root / "leak.txt");
    for (const char* p : {"/etc/passwd", "../secret.txt", "calc/../../secret.txt", "out/secret.txt", "leak.txt", ""}) {
        INFO(p);
        CHECK_FALSE(workspace_path(f.root, p).has_value());
        ToolOutcome read = read_file_tool(f.root, {{"path", p}});
        CHECK_FALSE(read.ok);
        CHECK(read.content.find("TOP-SECRET") == std::string::npos);
    }
    CHECK_FALSE(edit_tool(f.root, {{"path", "out/new.txt"}, {"old", ""}, {"new", "x"}}).ok);
    CHECK_FALSE(fs::exists(f.dir.path() / "new.txt"));
    CHECK(workspace_path(f.root, "calc/../README").has_value());
    CHECK(workspace_path(f.root, "new/file.py").has_value());  // a file not yet created
    // A symlink inside the workspace that stays inside is fine, and search does not follow links.
    fs::create_symlink(f.root / "README", f.root / "readme_link");
    CHECK(read_file_tool(f.root, {{"path", "readme_link"}}).ok);
    CHECK(search_tool(f.root, {{"pattern", "TOP-SECRET"}}).content == "no matches");
}
