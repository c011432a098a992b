// L0: run_process and the sandbox with minimal_capabilities() (no namespace, no cgroup).

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "../support/temp_dir.hpp"
#include "sandbox_helpers.hpp"
#include "tasks/env/process.hpp"
#include "tasks/env/sandbox.hpp"

using namespace braid;
using namespace braid::tasks::env;

namespace {

ProcessOptions quick(std::chrono::milliseconds timeout) {
    ProcessOptions options;
    options.timeout = timeout;
    options.kill_grace = std::chrono::milliseconds(200);
    return options;
}

}  // namespace

TEST_CASE("run_process captures stdout, stderr and the exit code", "[tasks][env]") {
    test::TempDir dir;
    auto r = run_process(shell_argv("echo out; echo err >&2; pwd; exit 3"), dir.path(),
                         quick(std::chrono::seconds(10)));
    REQUIRE(r);
    CHECK(r->exit_code == 3);
    CHECK(r->out == "out\n" + std::filesystem::canonical(dir.path()).string() + "\n");
    CHECK(r->err == "err\n");
    CHECK_FALSE(r->timed_out);
    CHECK_FALSE(r->truncated);
    CHECK(r->wall_ms > 0);
}

TEST_CASE("A killed command's exit code is 128 plus the signal", "[tasks][env]") {
    test::TempDir dir;
    auto r = run_process(shell_argv("kill -9 $$"), dir.path(), quick(std::chrono::seconds(10)));
    REQUIRE(r);
    CHECK(r->exit_code == 128 + 9);
}

TEST_CASE("A missing program is exit 127 with the reason, not an error", "[tasks][env]") {
    test::TempDir dir;
    auto r = run_process({"braid-no-such-program"}, dir.path(), quick(std::chrono::seconds(10)));
    REQUIRE(r);
    CHECK(r->exit_code == 127);
    CHECK(r->err.find("braid-no-such-program") != std::string::npos);
}

TEST_CASE("run_process rejects an empty command and a cwd that is not a folder", "[tasks][env]") {
    test::TempDir dir;
    auto empty = run_process({}, dir.path(), quick(std::chrono::seconds(1)));
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code == ErrorCode::invalid_input);
    auto bad_cwd = run_process({"true"}, dir.path() / "missing", quick(std::chrono::seconds(1)));
    REQUIRE_FALSE(bad_cwd);
    CHECK(bad_cwd.error().code == ErrorCode::invalid_input);
}

TEST_CASE("A timeout kills the whole process group within the grace period", "[tasks][env]") {
    test::TempDir dir;
    const std::string marker = test::unique_marker("group");
    auto r = run_process(
        shell_argv("sh -c 'sleep 30; :' " + marker + " & echo started; wait"),
        dir.path(), quick(std::chrono::milliseconds(300)));
    REQUIRE(r);
    CHECK(r->timed_out);
    CHECK(r->out == "started\n");
    CHECK(r->wall_ms < 2000);
    CHECK(test::live_after_settling(marker) == 0);
}

TEST_CASE("Output past the cap keeps its head and its tail", "[tasks][env]") {
    test::TempDir dir;
    ProcessOptions options = quick(std::chrono::seconds(10));
    options.max_output_bytes = 1000;
    auto r = run_process(shell_argv("echo BEGIN; seq 1 20000; echo END"), dir.path(), options);
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->truncated);
    CHECK(r->out.rfind("BEGIN\n1\n2\n", 0) == 0);
    CHECK(r->out.size() >= 1000);
    CHECK(r->out.size() < 1100);
    CHECK(r->out.find("bytes dropped") != std::string::npos);
    CHECK(r->out.substr(r->out.size() - 11) == "\n20000\nEND\n");
}

TEST_CASE("An explicit environment is exactly what the command sees", "[tasks][env]") {
    test::TempDir dir;
    ProcessOptions options = quick(std::chrono::seconds(10));
    options.environment = std::vector<std::string>{"PATH=/usr/bin:/bin", "BRAID_X=1"};
    auto r = run_process({"env"}, dir.path(), options);
    REQUIRE(r);
    CHECK(r->out == "PATH=/usr/bin:/bin\nBRAID_X=1\n");
}

TEST_CASE("A readable cancel_fd kills the command and returns cancelled", "[tasks][env]") {
    test::TempDir dir;
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    REQUIRE(write(fds[1], "x", 1) == 1);
    ProcessOptions options = quick(std::chrono::seconds(30));
    options.cancel_fd = fds[0];
    const auto start = std::chrono::steady_clock::now();
    auto r = run_process({"sleep", "30"}, dir.path(), options);
    close(fds[0]);
    close(fds[1]);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::cancelled);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("The L0 sandbox scrubs the environment, limits memory and times out", "[tasks][env]") {
    test::TempDir dir;
    const Sandbox sandbox(minimal_capabilities());
    CHECK(sandbox.capabilities().layers() == std::vector<std::string>{"rlimits", "process_group"});
    SandboxPolicy policy;
    policy.timeout = std::chrono::seconds(10);
    policy.writable = {dir.path()};
    policy.env_set = {{"BRAID_TASK", "t1"}};
    setenv("OPENAI_API_KEY", "sk-test", 1);
    auto env = sandbox.run({"env"}, dir.path(), policy);
    unsetenv("OPENAI_API_KEY");
    REQUIRE(env);
    CHECK(env->out.find("sk-test") == std::string::npos);
    CHECK(env->out.find("HOME=/tmp\n") != std::string::npos);
    CHECK(env->out.find("BRAID_TASK=t1\n") != std::string::npos);

    policy.memory_bytes = 1ull << 30;
    auto big = sandbox.run({"/usr/bin/python3", "-c", "bytearray(10*2**30)"}, dir.path(), policy);
    REQUIRE(big);
    CHECK(big->exit_code != 0);
    CHECK(big->err.find("MemoryError") != std::string::npos);

    policy.timeout = std::chrono::milliseconds(300);
    auto slow = sandbox.run(shell_argv("sleep 30"), dir.path(), policy);
    REQUIRE(slow);
    CHECK(slow->timed_out);
    CHECK(slow->wall_ms < 2000);

    auto missing = sandbox.run({"braid-no-such-program"}, dir.path(), policy);
    REQUIRE(missing);
    CHECK(missing->exit_code == 127);
}

TEST_CASE("The sandbox refuses a cwd outside its writable folders", "[tasks][env]") {
    test::TempDir workspace, other;
    SandboxPolicy policy;
    policy.writable = {workspace.path()};
    auto r = Sandbox(minimal_capabilities()).run({"true"}, other.path(), policy);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::invalid_input);
}
