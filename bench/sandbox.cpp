// bench/sandbox: what the sandbox of tasks/env costs per command (issue 6: goal ≤ 10 ms per
// sandboxed test run).
//
//   bare        run_process, no isolation (the baseline)
//   L0          Sandbox::run with minimal_capabilities(): scrubbed environment and rlimits
//   no cgroup   the probed layers without the cgroup (bwrap or unshare)
//   all layers  every probed layer (what command tools and test runs get)
// For `/bin/true` and `/usr/bin/python3 -c pass`: the median wall time of RUNS runs of each, the
// overhead against bare in ms and the ratio. Runs alternate between configurations so drift in
// machine load hits all of them alike.
//
// Usage: sandbox [RUNS=50]
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tasks/env/process.hpp"
#include "tasks/env/sandbox.hpp"

using namespace braid::tasks::env;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Config {
    std::string name;
    std::function<bool()> run_once;  // false on an error or a non-zero exit
    std::vector<double> ms;
};

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
    std::string pattern = (std::filesystem::temp_directory_path() / "braid-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::filesystem::path workspace = pattern;

    const auto probe_start = Clock::now();
    const SandboxCapabilities all = probe_sandbox();
    const double probe_ms = std::chrono::duration<double, std::milli>(Clock::now() - probe_start).count();
    SandboxCapabilities no_cgroup = all;
    no_cgroup.cgroup.clear();
    const Sandbox full(all), namespaces_only(no_cgroup), l0(minimal_capabilities());
    std::string layers;
    for (const std::string& l : all.layers()) layers += (layers.empty() ? "" : ", ") + l;
    std::printf("sandbox bench: %d runs each; probe_sandbox() took %.1f ms\nlayers: %s\n\n", runs,
                probe_ms, layers.c_str());

    SandboxPolicy policy;
    policy.timeout = std::chrono::seconds(30);
    policy.writable = {workspace};
    ProcessOptions bare_options;
    bare_options.timeout = policy.timeout;

    const std::vector<std::pair<std::string, std::vector<std::string>>> commands{
        {"/bin/true", {"/bin/true"}}, {"python3 -c pass", {"/usr/bin/python3", "-c", "pass"}}};
    int failures = 0;
    for (const auto& [label, command] : commands) {
        auto sandboxed = [&, cmd = command](const Sandbox& s) {
            return [&s, &policy, &workspace, cmd] {
                auto r = s.run(cmd, workspace, policy);
                return r && r->exit_code == 0;
            };
        };
        std::vector<Config> configs;
        configs.push_back({"bare", [&, cmd = command] {
                               auto r = run_process(cmd, workspace, bare_options);
                               return r && r->exit_code == 0;
                           }, {}});
        configs.push_back({"L0 (env, rlimits)", sandboxed(l0), {}});
        configs.push_back({"no cgroup", sandboxed(namespaces_only), {}});
        configs.push_back({"all layers", sandboxed(full), {}});
        for (Config& c : configs) c.run_once();  // warm-up: page cache, first exec
        for (int i = 0; i < runs; ++i)
            for (Config& c : configs) {
                const auto t0 = Clock::now();
                if (!c.run_once()) ++failures;
                c.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            }
        const double base = median(configs[0].ms);
        std::printf("%s\n", label.c_str());
        for (const Config& c : configs) {
            const double m = median(c.ms);
            std::printf("  %-20s median %7.2f ms   overhead %+7.2f ms   ratio %5.2fx\n", c.name.c_str(),
                        m, m - base, m / base);
        }
    }
    std::error_code ec;
    std::filesystem::remove_all(workspace, ec);
    if (failures > 0) std::printf("\n%d runs failed\n", failures);
    return failures > 0 ? 1 : 0;
}
