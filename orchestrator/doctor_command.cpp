// `braid doctor`: what this machine offers braid — CUDA driver and device, the sandbox tools, the
// store's SQLite, cores. Checks only; changes nothing.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <asio/version.hpp>
#include <nlohmann/json.hpp>

#include "backends/cuda/cuda_probe.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "store/sqlite_version.hpp"

namespace braid::orchestrator {

namespace {

std::string find_on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    if (!path) return "";
    std::string all(path);
    std::size_t start = 0;
    while (start <= all.size()) {
        std::size_t colon = all.find(':', start);
        std::string dir = all.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return "";
}

// Runs `bwrap` with no network and a read-only root around /bin/true; true if it exits 0.
bool bubblewrap_works(const std::string& bwrap) {
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        std::freopen("/dev/null", "w", stderr);
        execl(bwrap.c_str(), "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
              "--die-with-parent", "/bin/true", static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int run_doctor(const CommonArgs& common) {
    backends::CudaProbe cuda = backends::probe_cuda();
    std::string bwrap = find_on_path("bwrap");
    bool bwrap_ok = !bwrap.empty() && bubblewrap_works(bwrap);
    nlohmann::json j{
        {"cuda", {{"built_with_nvcc", backends::built_with_nvcc()},
                  {"driver_found", cuda.driver_found},
                  {"driver_version", cuda.driver_version},
                  {"devices", cuda.device_count},
                  {"device", cuda.device_name},
                  {"note", cuda.note}}},
        {"sandbox", {{"bubblewrap", bwrap}, {"bubblewrap_usable", bwrap_ok}, {"rlimits", true}, {"process_groups", true}}},
        {"sqlite", store::sqlite_library_version()},
        {"asio", ASIO_VERSION},
        {"cores", std::thread::hardware_concurrency()},
    };
    if (common.json) {
        std::cout << j.dump() << "\n";
        return exit_ok;
    }
    std::printf("braid doctor\n");
    std::printf("  CUDA         build %s nvcc; ", backends::built_with_nvcc() ? "with" : "without");
    if (cuda.device_count > 0)
        std::printf("device 0: %s (driver %d)\n", cuda.device_name.c_str(), cuda.driver_version);
    else
        std::printf("no device: %s\n", cuda.note.c_str());
    std::printf("  sandbox      bubblewrap %s%s; rlimits and process groups available\n",
                bwrap.empty() ? "not found" : bwrap.c_str(),
                bwrap.empty() ? "" : (bwrap_ok ? " (usable: no network, read-only root)" : " (present but not usable here)"));
    std::printf("  store        SQLite %s\n", store::sqlite_library_version().c_str());
    std::printf("  runtime      Asio %d, %u cores\n", ASIO_VERSION, std::thread::hardware_concurrency());
    return exit_ok;
}

}  // namespace braid::orchestrator
