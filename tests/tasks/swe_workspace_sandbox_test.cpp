// A workspace under the probed sandbox (issue 18 finding 3): commands run there as the sandbox
// user and git still works (the borrowed objects are shown read-only); braid's own git keeps
// working on the handed-over checkout; a symlink that leads outside never reaches a patch.

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "tasks/env/process.hpp"
#include "tasks/swe/grading.hpp"
#include "tasks/swe/workspace.hpp"
#include "tests/support/swe_fixtures.hpp"

using namespace braid;
using namespace braid::tasks::swe;
namespace fs = std::filesystem;

namespace {

struct SandboxedWorkspace {
    test::ExampleRepos repos;
    std::shared_ptr<WorkspaceRoot> root;
    std::optional<Workspace> ws;
    SweEnv env;
    tasks::env::Sandbox sandbox{tasks::env::probe_sandbox()};

    SandboxedWorkspace() {
        const fs::path source = repos.repo("shorten");
        std::string head = test::run_ok({"git", "rev-parse", "HEAD"}, source);
        auto made = WorkspaceRoot::create(repos.dir() / "ws");
        REQUIRE(made.has_value());
        root = *made;
        auto created =
            Workspace::create(root, source, head.substr(0, head.find('\n')), "sandboxed");
        REQUIRE(created.has_value());
        ws.emplace(std::move(*created));
        env.repo_path = source;
    }

    tasks::env::ProcessResult shell(const std::string& command) {
        auto r =
            sandbox.run(tasks::env::shell_argv(command), ws->dir(), workspace_policy(env, *ws, 30));
        REQUIRE(r.has_value());
        return *r;
    }
};

}  // namespace

TEST_CASE("git works in a sandboxed workspace, and braid's git after it", "[tasks][swe]") {
    SandboxedWorkspace s;
    REQUIRE_FALSE(s.ws->borrowed_objects().empty());
    auto r = s.shell(
        "echo 'x = 1' > added.py && git status --short && git log --oneline | wc -l && id -u");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("?? added.py") != std::string::npos);
    if (geteuid() == 0 && !s.sandbox.capabilities().setpriv.empty()) {
        CHECK(r.out.find("\n" + std::to_string(tasks::env::kSandboxUid) + "\n") !=
              std::string::npos);
        struct stat st {};
        REQUIRE(::stat((s.ws->dir() / "added.py").c_str(), &st) == 0);
        CHECK(st.st_uid == tasks::env::kSandboxUid);
    }
    auto diff = s.ws->diff();  // braid's git on a checkout that the sandbox user now owns
    REQUIRE(diff.has_value());
    CHECK(diff->find("+x = 1") != std::string::npos);
    REQUIRE(s.ws->reset().has_value());
    CHECK_FALSE(fs::exists(s.ws->dir() / "added.py"));
}

TEST_CASE("A symlink that leads outside the repository is refused from a patch; one inside is kept",
          "[tasks][swe]") {
    SandboxedWorkspace s;
    REQUIRE(
        s.shell("ln -s shorten/core.py inside-link && mkdir -p deep && ln -s ../shorten deep/up")
            .exit_code == 0);
    auto kept = s.ws->diff();
    REQUIRE(kept.has_value());
    CHECK(kept->find("inside-link") != std::string::npos);
    CHECK(kept->find("deep/up") != std::string::npos);

    for (const std::string target : {"/etc/passwd", "../../outside", "deep/../../x"}) {
        REQUIRE(s.shell("ln -sfn '" + target + "' escaping-link").exit_code == 0);
        auto refused = s.ws->diff();
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::invalid_input);
        CHECK(refused.error().message.find("escaping-link -> " + target) != std::string::npos);
        CHECK(refused.error().message.find("inside-link") == std::string::npos);
    }
}

TEST_CASE("A workspace past its quota or a patch past its limit cannot be submitted",
          "[tasks][swe]") {
    SandboxedWorkspace s;
    s.env.disk_quota_mb = 1;
    auto r = s.shell("head -c 3145728 /dev/zero > big.bin; echo wrote");
    INFO(r.out << r.err);
    CHECK(r.over_quota);
    CHECK(r.err.find("disk quota of 1 MiB") != std::string::npos);

    DiffLimits limits;
    limits.max_tree_bytes = 1ull << 20;
    auto refused = s.ws->diff(limits);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::invalid_input);
    CHECK(refused.error().message.find("past its quota of 1 MiB") != std::string::npos);

    REQUIRE(s.shell("rm big.bin && seq 1 2000 > numbers.txt").exit_code == 0);
    limits.max_patch_bytes = 4096;  // the diff of numbers.txt is about 9 KB
    auto too_long = s.ws->diff(limits);
    REQUIRE_FALSE(too_long.has_value());
    CHECK(too_long.error().message.find("longer than its limit of 4 KiB") != std::string::npos);
    limits.max_patch_bytes = 64 << 10;
    auto kept = s.ws->diff(limits);
    REQUIRE(kept.has_value());
    CHECK(kept->find("+2000") != std::string::npos);
}
