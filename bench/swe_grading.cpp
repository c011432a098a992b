// bench/swe_grading: how many SWE candidates braid grades per minute on this machine (issue 6),
// on the three example repositories (examples/swe/): each candidate is a full harness evaluation
// (fresh workspace at base_commit, the apply chain, test_patch, the suite under the sandbox, the
// log parsed and graded). The candidates: each task's gold, wrong and breaking patch.
//
//   L0, serial          the sandbox without namespaces or cgroups, one candidate at a time (baseline)
//   all layers, serial  every probed layer, one at a time
//   all layers, xN      every probed layer, N candidates at once (N = cores)
// Prints candidates per minute and the ratio against the baseline; every grade is checked
// (gold resolved, the others not), so a broken setup cannot report a fast number.
//
// Usage: swe_grading [ROUNDS=2]   (each round grades the 9 candidates once per configuration)
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/env/sandbox.hpp"
#include "tasks/swe/grading.hpp"
#include "tasks/swe/swe_task.hpp"

namespace swe = braid::tasks::swe;
namespace env = braid::tasks::env;
using Clock = std::chrono::steady_clock;

namespace {

struct Candidate {
    const swe::SweTask* task;
    std::string patch;
    bool resolves = false;
};

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Grades every candidate with `workers` threads; returns the wall seconds, or -1 on a wrong grade.
double grade_all(const std::vector<Candidate>& candidates, const env::Sandbox& sandbox,
                 std::shared_ptr<swe::WorkspaceRoot> root, unsigned workers) {
    std::atomic<std::size_t> next{0};
    std::atomic<int> wrong{0};
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < workers; ++w)
        threads.emplace_back([&] {
            for (std::size_t i; (i = next++) < candidates.size();) {
                auto report = swe::evaluate_patch(*candidates[i].task, candidates[i].patch, sandbox, root);
                if (!report || report->resolved != candidates[i].resolves) ++wrong;
            }
        });
    for (std::thread& t : threads) t.join();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return wrong > 0 ? -1 : s;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2;
    const std::filesystem::path examples = std::filesystem::path(BRAID_SOURCE_DIR) / "examples/swe";
    std::string pattern = (std::filesystem::temp_directory_path() / "braid-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data())) return 1;
    const std::filesystem::path dir = pattern;
    const std::string build = "bash " + (examples / "make_repos").string() + " " + (dir / "repos").string() + " >/dev/null";
    if (std::system(build.c_str()) != 0) {
        std::fprintf(stderr, "make_repos failed\n");
        return 1;
    }

    std::vector<swe::SweTask> tasks;
    std::ifstream rows(examples / "tasks.jsonl");
    for (std::string line; std::getline(rows, line);) {
        if (line.empty()) continue;
        auto row = nlohmann::json::parse(line);
        swe::resolve_repo_path(row, dir);
        auto task = swe::parse_swe_task(row);
        if (!task) {
            std::fprintf(stderr, "%s\n", task.error().describe().c_str());
            return 1;
        }
        tasks.push_back(std::move(*task));
    }
    std::vector<Candidate> candidates;
    for (const swe::SweTask& t : tasks) {
        const std::string name = t.repo.substr(t.repo.find('/') + 1);
        for (const char* kind : {"gold", "wrong", "breaks"})
            candidates.push_back(Candidate{&t, slurp(examples / "patches" / (name + "." + kind + ".diff")),
                                           std::string(kind) == "gold"});
    }

    auto root = swe::WorkspaceRoot::create(dir);
    if (!root) return 1;
    const env::SandboxCapabilities all = env::probe_sandbox();
    const env::Sandbox full(all), l0(env::minimal_capabilities());
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::string layers;
    for (const std::string& l : all.layers()) layers += (layers.empty() ? "" : ", ") + l;
    std::printf("swe_grading: %zu candidates (3 repos x gold/wrong/breaks), %d rounds, %u cores\nlayers: %s\n\n",
                candidates.size(), rounds, cores, layers.c_str());

    struct Config {
        std::string name;
        const env::Sandbox* sandbox;
        unsigned workers;
        double seconds = 0;
    };
    std::vector<Config> configs{{"L0, serial", &l0, 1},
                                {"all layers, serial", &full, 1},
                                {"all layers, x" + std::to_string(cores), &full, cores}};
    for (int r = 0; r < rounds; ++r)
        for (Config& c : configs) {
            const double s = grade_all(candidates, *c.sandbox, *root, c.workers);
            if (s < 0) {
                std::fprintf(stderr, "%s: a candidate was graded wrongly\n", c.name.c_str());
                return 1;
            }
            c.seconds += s;
        }
    const double graded = static_cast<double>(candidates.size()) * rounds;
    const double base = graded / configs[0].seconds * 60;
    for (const Config& c : configs) {
        const double per_minute = graded / c.seconds * 60;
        std::printf("  %-22s %6.1f candidates/min   %5.2f s each   ratio %4.2fx\n", c.name.c_str(), per_minute,
                    c.seconds / graded, per_minute / base);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
}
