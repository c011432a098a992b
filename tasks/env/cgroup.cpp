#include "tasks/env/cgroup.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace braid::tasks::env {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
constexpr std::uint64_t kProbePidsMax = 64;
constexpr std::uint64_t kProbeMemoryBytes = 64ull << 20;
constexpr std::chrono::seconds kKillBound{5};
constexpr std::chrono::milliseconds kKillRoundPause{2};

bool write_file(const fs::path& path, const std::string& text) {
    std::ofstream f(path);
    f << text;
    f.flush();
    return static_cast<bool>(f);
}

std::string read_file(const fs::path& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// The path of braid's own cgroup in hierarchy `controller` ("" for the v2 line), or nullopt.
std::optional<std::string> own_cgroup(const std::string& controller) {
    std::istringstream lines(read_file("/proc/self/cgroup"));
    std::string line;
    while (std::getline(lines, line)) {
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        std::string controllers = line.substr(first + 1, second - first - 1);
        std::istringstream names(controllers);
        std::string name;
        bool match = controller.empty() && controllers.empty();
        while (!match && std::getline(names, name, ','))
            match = !controller.empty() && name == controller;
        if (match) return line.substr(second + 1);
    }
    return std::nullopt;
}

std::string unique_name(const char* prefix) {
    const auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
    return std::string(prefix) + std::to_string(getpid()) + "-" +
           std::to_string(syscall(SYS_gettid)) + "-" + std::to_string(ns);
}

// Creates `parent`/probe, writes `value` to `limit_file` there, removes it.
bool probe_limit(const fs::path& parent, const char* limit_file, std::uint64_t value) {
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) return false;
    const fs::path dir = parent / unique_name("braid-probe-");
    if (!fs::create_directory(dir, ec)) return false;
    const bool ok = fs::exists(dir / limit_file, ec) && write_file(dir / limit_file, std::to_string(value));
    fs::remove(dir, ec);
    return ok;
}

}  // namespace

void probe_cgroup(SandboxCapabilities& caps) {
    const fs::path root(kCgroupRoot);
    std::error_code ec;
    if (auto v2 = own_cgroup(""); v2 && fs::exists(root / "cgroup.controllers", ec)) {
        const fs::path parent = root / fs::path(*v2).relative_path();
        if (probe_limit(parent, "pids.max", kProbePidsMax)) {
            caps.cgroup = "v2";
            caps.cgroup_parent = parent.string();
            return;
        }
    }
    auto pids = own_cgroup("pids");
    if (!pids) return;
    const fs::path pids_parent = root / "pids" / fs::path(*pids).relative_path();
    if (!probe_limit(pids_parent, "pids.max", kProbePidsMax)) return;
    caps.cgroup = "v1";
    caps.cgroup_parent = pids_parent.string();
    if (auto memory = own_cgroup("memory")) {
        const fs::path memory_parent = root / "memory" / fs::path(*memory).relative_path();
        if (probe_limit(memory_parent, "memory.limit_in_bytes", kProbeMemoryBytes))
            caps.memory_cgroup_parent = memory_parent.string();
    }
}

Result<std::unique_ptr<RunCgroup>> RunCgroup::create(const SandboxCapabilities& caps,
                                                     const SandboxPolicy& policy) {
    std::unique_ptr<RunCgroup> group(new RunCgroup());
    group->v2_ = caps.cgroup == "v2";
    const std::string name = unique_name("braid-run-");
    auto make = [&](const std::string& parent, const char* limit_file,
                    std::uint64_t value) -> Result<void> {
        const fs::path dir = fs::path(parent) / name;
        std::error_code ec;
        if (!fs::create_directory(dir, ec))
            return make_error(ErrorCode::io, "cannot create cgroup " + dir.string() + ": " + ec.message());
        group->dirs_.push_back(dir);
        if (!write_file(dir / limit_file, std::to_string(value)))
            return make_error(ErrorCode::io, "cannot write " + (dir / limit_file).string());
        return {};
    };
    if (auto r = make(caps.cgroup_parent, "pids.max", policy.max_processes); !r) return r.error();
    if (group->v2_) {
        std::error_code ec;
        const fs::path memory_max = group->dirs_[0] / "memory.max";
        if (fs::exists(memory_max, ec) && !write_file(memory_max, std::to_string(policy.memory_bytes)))
            return make_error(ErrorCode::io, "cannot write " + memory_max.string());
    } else if (!caps.memory_cgroup_parent.empty()) {
        auto r = make(caps.memory_cgroup_parent, "memory.limit_in_bytes", policy.memory_bytes);
        if (!r) return r.error();
    }
    return group;
}

std::vector<std::string> RunCgroup::procs_files() const {
    std::vector<std::string> files;
    for (const fs::path& dir : dirs_) files.push_back((dir / "cgroup.procs").string());
    return files;
}

int RunCgroup::kill_all() {
    if (dirs_.empty()) return 0;
    std::error_code ec;
    if (v2_ && fs::exists(dirs_[0] / "cgroup.kill", ec)) write_file(dirs_[0] / "cgroup.kill", "1");
    int rounds = 0;
    const auto give_up = std::chrono::steady_clock::now() + kKillBound;
    while (std::chrono::steady_clock::now() < give_up) {
        std::istringstream pids(read_file(dirs_[0] / "cgroup.procs"));
        bool any = false;
        long pid = 0;
        while (pids >> pid) {
            any = true;
            kill(static_cast<pid_t>(pid), SIGKILL);
        }
        if (!any) break;
        ++rounds;
        std::this_thread::sleep_for(kKillRoundPause);
    }
    return rounds;
}

RunCgroup::~RunCgroup() {
    kill_all();
    std::error_code ec;
    for (const fs::path& dir : dirs_) {
        // A killed process leaves the cgroup when the kernel has torn it down: retry briefly.
        for (int attempt = 0; attempt < 100 && fs::exists(dir, ec); ++attempt) {
            if (fs::remove(dir, ec)) break;
            std::this_thread::sleep_for(kKillRoundPause);
        }
    }
}

}  // namespace braid::tasks::env
