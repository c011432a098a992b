// The sandbox's disk quota (issue 18 finding 4): a command that fills its workspace is stopped
// soon after it passes the quota, no file grows past it, the private /tmp is bounded too, and a
// command in a workspace already past its quota may still remove files.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>

#include "../support/temp_dir.hpp"
#include "sandbox_helpers.hpp"
#include "tasks/env/disk_usage.hpp"
#include "tasks/env/sandbox.hpp"

using namespace braid;
using namespace braid::tasks::env;

namespace {

constexpr std::uint64_t kQuota = 8ull << 20;

SandboxPolicy quota_policy(const test::TempDir& workspace) {
    SandboxPolicy policy;
    policy.timeout = std::chrono::seconds(30);
    policy.writable = {workspace.path()};
    policy.disk_quota_bytes = kQuota;
    return policy;
}

}  // namespace

TEST_CASE("A command that fills its workspace past the disk quota is stopped", "[tasks][env]") {
    test::TempDir workspace;
    // Five 4 MiB files, one every 100 ms, then a long sleep: only the watch ends it early.
    const std::string fill =
        "for i in 1 2 3 4 5; do head -c 4194304 /dev/zero > big$i; sleep 0.1; done; sleep 25; "
        "echo never";
    const auto start = std::chrono::steady_clock::now();
    auto r = Sandbox(test::probed_capabilities())
                 .run(shell_argv(fill), workspace.path(), quota_policy(workspace));
    REQUIRE(r);
    INFO(r->err);
    CHECK(r->over_quota);
    CHECK_FALSE(r->timed_out);
    CHECK(r->out.find("never") == std::string::npos);
    CHECK(r->err.find("disk quota of 8 MiB") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(15));
    // Stopped within a poll or two of passing 8 MiB: at most a few more files than needed.
    CHECK(folder_bytes({workspace.path()}) <= 5 * (4ull << 20));
}

TEST_CASE("No file grows past the disk quota, in the workspace or the private /tmp",
          "[tasks][env]") {
    test::TempDir workspace;
    const SandboxCapabilities& caps = test::probed_capabilities();
    auto r =
        Sandbox(caps).run(shell_argv("head -c 20971520 /dev/zero > one; echo \"workspace=$?\"; "
                                     "head -c 20971520 /dev/zero > /tmp/one; echo \"tmp=$?\"; "
                                     "echo tmp_bytes=$(wc -c < /tmp/one)"),
                          workspace.path(), quota_policy(workspace));
    REQUIRE(r);
    INFO(r->out << r->err);
    CHECK(r->out.find("workspace=0") == std::string::npos);
    CHECK(std::filesystem::file_size(workspace.path() / "one") <= kQuota);
    if (!caps.bubblewrap.empty()) {  // a private /tmp exists only with bwrap
        CHECK(r->out.find("tmp=0") == std::string::npos);
        CHECK(r->out.find("tmp_bytes=" + std::to_string(kQuota) + "\n") != std::string::npos);
    }
}

TEST_CASE("A workspace already past its quota may be cleaned up", "[tasks][env]") {
    test::TempDir workspace;
    for (int i = 0; i < 3; ++i)  // 12 MiB made by braid, not by a command
        test::write_file_bytes(workspace.file("old" + std::to_string(i)),
                               std::string(4u << 20, 'x'));
    auto r = Sandbox(test::probed_capabilities())
                 .run(shell_argv("rm old0 old1; sleep 0.5; echo cleaned"), workspace.path(),
                      quota_policy(workspace));
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK_FALSE(r->over_quota);
    CHECK(r->out == "cleaned\n");
    CHECK(folder_bytes({workspace.path()}) == (4ull << 20));
}
