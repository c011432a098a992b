// The sandbox with every layer probed on this machine. A test whose layer is absent prints a WARN
// and passes (machines without bwrap or cgroups); on the build machines every layer is present.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "sandbox_helpers.hpp"
#include "tasks/env/sandbox.hpp"

using namespace braid;
using namespace braid::tasks::env;

namespace {

SandboxPolicy policy_for(const test::TempDir& workspace) {
    SandboxPolicy policy;
    policy.timeout = std::chrono::seconds(20);
    policy.kill_grace = std::chrono::milliseconds(200);
    policy.writable = {workspace.path()};
    return policy;
}

// A folder outside /tmp (which the sandbox replaces by its own), removed afterwards.
struct VarTmpDir {
    std::filesystem::path path;
    VarTmpDir() {
        std::string pattern = "/var/tmp/braid-outside-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = pattern;
    }
    ~VarTmpDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

}  // namespace

TEST_CASE("The probe reports its layers in order and as JSON", "[tasks][env]") {
    const SandboxCapabilities& caps = test::probed_capabilities();
    const std::vector<std::string> layers = caps.layers();
    REQUIRE(layers.size() >= 2);
    CHECK(layers[0] == "rlimits");
    CHECK(layers[1] == "process_group");
    CHECK((std::find(layers.begin(), layers.end(), "bubblewrap") != layers.end()) ==
          !caps.bubblewrap.empty());
    const nlohmann::json json = caps.to_json();
    CHECK(json.at("layers").get<std::vector<std::string>>() == layers);
    CHECK(json.at("cgroup").get<std::string>() == caps.cgroup);
    std::cerr << "sandbox layers:";
    for (const std::string& l : layers) std::cerr << ' ' << l;
    std::cerr << '\n';
}

TEST_CASE("A sandboxed command cannot write outside its workspace", "[tasks][env]") {
    const SandboxCapabilities& caps = test::probed_capabilities();
    if (!test::have_layer(!caps.bubblewrap.empty(), "bubblewrap")) return;
    test::TempDir workspace, sibling;
    VarTmpDir outside;
    const std::string script = "echo in > inside.txt; echo x > " + sibling.file("escaped.txt") +
                               "; echo x > " + (outside.path / "escaped.txt").string() +
                               "; echo x > /etc/braid-escaped.txt; echo done";
    auto r = Sandbox(caps).run(shell_argv(script), workspace.path(), policy_for(workspace));
    REQUIRE(r);
    CHECK(r->out == "done\n");
    CHECK(test::read_file_bytes(workspace.file("inside.txt")) == "in\n");
    CHECK_FALSE(std::filesystem::exists(sibling.file("escaped.txt")));
    CHECK_FALSE(std::filesystem::exists(outside.path / "escaped.txt"));
    CHECK_FALSE(std::filesystem::exists("/etc/braid-escaped.txt"));
    CHECK(r->err.find("Read-only file system") != std::string::npos);
}

TEST_CASE("A sandboxed command reaches the network only when the policy allows it",
          "[tasks][env]") {
    const SandboxCapabilities& caps = test::probed_capabilities();
    if (!test::have_layer(caps.network_isolated, "network namespace")) return;
    test::TempDir workspace;
    test::LoopbackListener listener;
    const std::vector<std::string> argv{"/usr/bin/python3", "-c",
                                        "import socket; socket.create_connection(('127.0.0.1', " +
                                            std::to_string(listener.port()) +
                                            "), timeout=3); print('connected')"};
    SandboxPolicy policy = policy_for(workspace);
    auto isolated = Sandbox(caps).run(argv, workspace.path(), policy);
    REQUIRE(isolated);
    CHECK(isolated->exit_code != 0);
    CHECK(isolated->out.empty());
    policy.network = true;
    auto shared = Sandbox(caps).run(argv, workspace.path(), policy);
    REQUIRE(shared);
    CHECK(shared->exit_code == 0);
    CHECK(shared->out == "connected\n");
}

TEST_CASE("A sandboxed command and its setsid grandchild do not outlive the timeout",
          "[tasks][env]") {
    const SandboxCapabilities& caps = test::probed_capabilities();
    if (!test::have_layer(caps.pid_namespace || !caps.cgroup.empty(), "PID namespace or cgroup"))
        return;
    test::TempDir workspace;
    const std::string marker = test::unique_marker("escape");
    SandboxPolicy policy = policy_for(workspace);
    policy.timeout = std::chrono::milliseconds(300);
    auto r = Sandbox(caps).run(
        shell_argv("setsid sh -c 'sleep 60; :' " + marker + " & echo $! > pid.txt; sleep 30"),
        workspace.path(), policy);
    REQUIRE(r);
    CHECK(r->timed_out);
    CHECK(r->wall_ms < 2000);
    CHECK_FALSE(test::read_file_bytes(workspace.file("pid.txt")).empty());
    CHECK(test::live_after_settling(marker) == 0);
}

TEST_CASE("A fork bomb is contained and leaves no process behind", "[tasks][env]") {
    const SandboxCapabilities& caps = test::probed_capabilities();
    if (!test::have_layer(!caps.cgroup.empty() || !caps.root,
                          "pids cgroup (root ignores RLIMIT_NPROC)"))
        return;
    test::TempDir workspace;
    const std::string marker = test::unique_marker("bomb");
    SandboxPolicy policy = policy_for(workspace);
    policy.max_processes = 64;
    policy.timeout = std::chrono::seconds(3);
    const std::string bomb =
        "import os, sys, time\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        time.sleep(0.05)\n";
    const auto start = std::chrono::steady_clock::now();
    auto r = Sandbox(caps).run({"/usr/bin/python3", "-c", bomb, marker}, workspace.path(), policy);
    REQUIRE(r);
    CHECK(r->timed_out);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK(test::live_after_settling(marker) == 0);
}

TEST_CASE("A 10 GB allocation is refused under a 1 GiB memory limit", "[tasks][env]") {
    test::TempDir workspace;
    SandboxPolicy policy = policy_for(workspace);
    policy.memory_bytes = 1ull << 30;
    auto r = Sandbox(test::probed_capabilities())
                 .run({"/usr/bin/python3", "-c", "x = bytearray(10 * 2**30); print('allocated')"},
                      workspace.path(), policy);
    REQUIRE(r);
    CHECK(r->exit_code != 0);
    CHECK(r->out.empty());
    CHECK((r->err.find("MemoryError") != std::string::npos || r->exit_code >= 128));
}

TEST_CASE("Secrets in braid's environment are not visible inside", "[tasks][env]") {
    test::TempDir workspace;
    SandboxPolicy policy = policy_for(workspace);
    setenv("OPENAI_API_KEY", "sk-test", 1);
    auto r = Sandbox(test::probed_capabilities()).run({"env"}, workspace.path(), policy);
    unsetenv("OPENAI_API_KEY");
    REQUIRE(r);
    REQUIRE(r->exit_code == 0);
    CHECK(r->out.find("sk-test") == std::string::npos);
    std::set<std::string> allowed(policy.env_allow.begin(), policy.env_allow.end());
    allowed.insert("HOME");
    allowed.insert("PWD");  // bwrap sets it to the cwd
    std::istringstream lines(r->out);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        ++count;
        CHECK(allowed.count(line.substr(0, line.find('='))) == 1);
    }
    CHECK(count >= 1);
}

TEST_CASE("A cancelled sandboxed command stops at once", "[tasks][env]") {
    test::TempDir workspace;
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    REQUIRE(write(fds[1], "x", 1) == 1);
    const auto start = std::chrono::steady_clock::now();
    auto r = Sandbox(test::probed_capabilities())
                 .run({"sleep", "30"}, workspace.path(), policy_for(workspace), fds[0]);
    close(fds[0]);
    close(fds[1]);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::cancelled);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("Without bwrap, the unshare layer kills setsid grandchildren and cuts the network",
          "[tasks][env]") {
    SandboxCapabilities caps = test::probed_capabilities();
    caps.bubblewrap.clear();
    caps.cgroup.clear();
    test::TempDir workspace;
    const std::string marker = test::unique_marker("unshare");
    // Whether unshare works is probed here, the way probe_sandbox() does it.
    SandboxPolicy policy = policy_for(workspace);
    auto probe = Sandbox(caps).run({"true"}, workspace.path(), policy);
    if (!test::have_layer(caps.pid_namespace && probe && probe->exit_code == 0, "unshare")) return;
    policy.timeout = std::chrono::milliseconds(300);
    auto r = Sandbox(caps).run(
        shell_argv("setsid sh -c 'sleep 60; :' " + marker + " & echo $! > pid.txt; sleep 30"),
        workspace.path(), policy);
    REQUIRE(r);
    CHECK(r->timed_out);
    CHECK_FALSE(test::read_file_bytes(workspace.file("pid.txt")).empty());
    CHECK(test::live_after_settling(marker) == 0);

    test::LoopbackListener listener;
    policy.timeout = std::chrono::seconds(20);
    auto net = Sandbox(caps).run({"/usr/bin/python3", "-c",
                                  "import socket; socket.create_connection(('127.0.0.1', " +
                                      std::to_string(listener.port()) + "), timeout=3)"},
                                 workspace.path(), policy);
    REQUIRE(net);
    CHECK(net->exit_code != 0);
}
