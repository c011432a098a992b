#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "tasks/swe/workspace.hpp"
#include "tests/support/swe_fixtures.hpp"

using namespace braid;
using namespace braid::tasks::swe;
namespace fs = std::filesystem;

namespace {

std::string head_commit(const fs::path& repo) {
    std::string out = test::run_ok({"git", "rev-parse", "HEAD"}, repo);
    return out.substr(0, out.find('\n'));
}

std::shared_ptr<WorkspaceRoot> make_root(const fs::path& parent) {
    auto root = WorkspaceRoot::create(parent);
    REQUIRE(root.has_value());
    return *root;
}

// A pid that no process has now: a child that has exited and been reaped.
pid_t dead_pid() {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    REQUIRE(pid > 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return pid;
}

}  // namespace

TEST_CASE("A workspace is a checkout of base_commit that leaves the source repository alone",
          "[tasks][swe]") {
    test::ExampleRepos repos;
    const fs::path source = repos.repo("shorten");
    const std::string base = head_commit(source);
    auto root = make_root(repos.dir() / "ws");
    fs::path dir;
    {
        auto ws = Workspace::create(root, source, base, "shorten");
        REQUIRE(ws.has_value());
        dir = ws->dir();
        REQUIRE(dir.parent_path() == root->dir());
        REQUIRE(fs::exists(dir / "shorten" / "core.py"));
        REQUIRE(head_commit(dir) == base);
        REQUIRE(ws->base_commit() == base);
        auto diff = ws->diff();
        REQUIRE(diff.has_value());
        REQUIRE(diff->empty());
        Workspace moved = std::move(*ws);
        REQUIRE(moved.dir() == dir);
        REQUIRE(fs::exists(dir));
    }
    REQUIRE_FALSE(fs::exists(dir));  // the destructor removed it
    REQUIRE(test::run_ok({"git", "status", "--porcelain"}, source).empty());
}

TEST_CASE("Workspace::create names a bad commit and tells a missing repository apart",
          "[tasks][swe]") {
    test::ExampleRepos repos;
    auto root = make_root(repos.dir() / "ws");
    auto bad = Workspace::create(root, repos.repo("romans"),
                                 "0123456789abcdef0123456789abcdef01234567", "x");
    REQUIRE_FALSE(bad.has_value());
    REQUIRE(bad.error().code == ErrorCode::invalid_input);
    REQUIRE_THAT(bad.error().message, Catch::Contains("0123456789abcdef0123456789abcdef01234567"));
    auto option = Workspace::create(root, repos.repo("romans"), "--help", "x");
    REQUIRE(option.error().code == ErrorCode::invalid_input);
    fs::create_directories(repos.dir() / "plain");
    auto plain = Workspace::create(root, repos.dir() / "plain", "HEAD", "x");
    REQUIRE(plain.error().code == ErrorCode::not_found);
    auto missing = Workspace::create(root, repos.dir() / "nowhere", "HEAD", "x");
    REQUIRE(missing.error().code == ErrorCode::not_found);
}

TEST_CASE("apply_patch applies with git apply, reports an already applied patch, rejects garbage",
          "[tasks][swe]") {
    test::ExampleRepos repos;
    auto root = make_root(repos.dir() / "ws");
    auto ws =
        Workspace::create(root, repos.repo("romans"), head_commit(repos.repo("romans")), "romans");
    REQUIRE(ws.has_value());
    const std::string gold = test::example_patch("romans", "gold");
    REQUIRE(ws->apply_patch("").value() == "empty");
    REQUIRE(ws->apply_patch(gold).value() == "git apply");
    REQUIRE_THAT(test::read_text((ws->dir() / "romans" / "convert.py").string()),
                 Catch::Contains("(900, \"CM\")"));
    // Again: --3way merges the identical change cleanly, as in the harness.
    REQUIRE(ws->apply_patch(gold).value() == "git apply --3way");
    // Without index lines, --3way has no base blob: the reverse check finds it already applied.
    std::string no_index;
    for (std::size_t pos = 0; pos < gold.size();) {
        std::size_t end = gold.find('\n', pos) + 1;
        std::string line = gold.substr(pos, end - pos);
        if (!line.starts_with("index ")) no_index += line;
        pos = end;
    }
    REQUIRE(ws->apply_patch(no_index).value() == "already applied");
    auto garbage = ws->apply_patch("this is not a diff\n--- nor this\n");
    REQUIRE_FALSE(garbage.has_value());
    REQUIRE(garbage.error().code == ErrorCode::invalid_input);
    // A failed chain leaves earlier changes in place.
    REQUIRE_THAT(test::read_text((ws->dir() / "romans" / "convert.py").string()),
                 Catch::Contains("(900, \"CM\")"));
    REQUIRE(ws->reset().has_value());
    REQUIRE(ws->diff()->empty());
}

TEST_CASE("apply_patch falls back to patch --fuzz when the context has drifted", "[tasks][swe]") {
    test::ExampleRepos repos;
    auto root = make_root(repos.dir() / "ws");
    auto ws =
        Workspace::create(root, repos.repo("romans"), head_commit(repos.repo("romans")), "fuzzy");
    REQUIRE(ws.has_value());
    // The first context line differs from the file, and no index line lets --3way find the blob.
    const std::string fuzzy =
        "--- a/romans/convert.py\n"
        "+++ b/romans/convert.py\n"
        "@@ -1,6 +1,6 @@\n"
        " \"\"\"Conversion between integers and Roman numerals, both ways.\"\"\"\n"
        " \n"
        "-MAX_VALUE = 3999\n"
        "+MAX_VALUE = 4999\n"
        " \n"
        " _NUMERALS = [\n"
        "     (1000, \"M\"),\n";
    auto method = ws->apply_patch(fuzzy);
    REQUIRE(method.has_value());
    REQUIRE(*method == "patch --fuzz=5");
    REQUIRE_THAT(test::read_text((ws->dir() / "romans" / "convert.py").string()),
                 Catch::Contains("MAX_VALUE = 4999"));
    auto diff = ws->diff();
    REQUIRE(diff.has_value());
    REQUIRE_THAT(*diff, Catch::Contains("+MAX_VALUE = 4999"));
    REQUIRE_THAT(*diff, !Catch::Contains(".orig") && !Catch::Contains(".rej"));
}

TEST_CASE("diff includes new untracked and binary files; reset removes them", "[tasks][swe]") {
    test::ExampleRepos repos;
    auto root = make_root(repos.dir() / "ws");
    auto ws =
        Workspace::create(root, repos.repo("rowsplit"), head_commit(repos.repo("rowsplit")), "new");
    REQUIRE(ws.has_value());
    test::write_file_bytes((ws->dir() / "rowsplit" / "extra.py").string(), "X = 1\n");
    test::write_file_bytes((ws->dir() / "blob.bin").string(), std::string("\0\1\2\3", 4));
    auto diff = ws->diff();
    REQUIRE(diff.has_value());
    REQUIRE_THAT(*diff, Catch::Contains("new file mode") &&
                            Catch::Contains("b/rowsplit/extra.py") && Catch::Contains("+X = 1") &&
                            Catch::Contains("GIT binary patch"));
    // The diff re-applies in a fresh workspace of the same commit.
    auto other = Workspace::create(root, repos.repo("rowsplit"),
                                   head_commit(repos.repo("rowsplit")), "again");
    REQUIRE(other->apply_patch(*diff).has_value());
    REQUIRE(test::read_text((other->dir() / "rowsplit" / "extra.py").string()) == "X = 1\n");
    REQUIRE(ws->reset().has_value());
    REQUIRE_FALSE(fs::exists(ws->dir() / "rowsplit" / "extra.py"));
    REQUIRE(ws->diff()->empty());
}

TEST_CASE("WorkspaceRoot sweeps folders of dead braids only, and removes its own", "[tasks][swe]") {
    test::TempDir parent;
    const fs::path stale = parent.path() / ("braid-ws-" + std::to_string(dead_pid()) + "-0");
    const fs::path live = parent.path() / ("braid-ws-" + std::to_string(::getppid()) + "-7");
    const fs::path other = parent.path() / "braid-ws-notapid-1";
    for (const auto& d : {stale, live, other}) {
        fs::create_directories(d / "sub");
        test::write_file_bytes((d / "sub" / "f").string(), "x");
    }
    fs::path own;
    {
        auto root = make_root(parent.path());
        own = root->dir();
        REQUIRE(fs::is_directory(own));
        REQUIRE(
            own.filename().string().starts_with("braid-ws-" + std::to_string(::getpid()) + "-"));
        REQUIRE(root->next_dir("a b") != root->next_dir("a b"));
        REQUIRE_FALSE(fs::exists(stale));
        REQUIRE(fs::exists(live));
        REQUIRE(fs::exists(other));
    }
    REQUIRE_FALSE(fs::exists(own));
}
