#pragma once
// Shared by the tasks/swe and verifiers tests: the example repositories of examples/swe built
// into a temp dir, their task rows (repo_path resolved there) and their patch files.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/env/process.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tests/support/temp_dir.hpp"

namespace braid::test {

inline std::string swe_example_dir() {
    return std::string(BRAID_SOURCE_DIR) + "/examples/swe";
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::string example_patch(const std::string& name, const std::string& kind) {
    return read_text(swe_example_dir() + "/patches/" + name + "." + kind + ".diff");
}

// git and friends for test set-up and checks; returns stdout, fails the test on a non-zero exit.
inline std::string run_ok(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
    tasks::env::ProcessOptions options;
    auto result = tasks::env::run_process(argv, cwd, options);
    REQUIRE(result.has_value());
    INFO(result->err);
    REQUIRE(result->exit_code == 0);
    return result->out;
}

// examples/swe/make_repos run into <temp>/repos; tasks read from tasks.jsonl with repo_path
// resolved against <temp>.
class ExampleRepos {
public:
    ExampleRepos() {
        run_ok({"bash", swe_example_dir() + "/make_repos", dir_.file("repos")}, dir_.path());
    }
    std::filesystem::path repo(const std::string& name) const {
        return dir_.path() / "repos" / name;
    }
    const std::filesystem::path& dir() const { return dir_.path(); }

    // The row whose instance_id contains `name`.
    nlohmann::json row(const std::string& name) const {
        std::istringstream lines(read_text(swe_example_dir() + "/tasks.jsonl"));
        for (std::string line; std::getline(lines, line);) {
            if (line.empty()) continue;
            nlohmann::json row = nlohmann::json::parse(line);
            if (row["instance_id"].get<std::string>().find(name) == std::string::npos) continue;
            tasks::swe::resolve_repo_path(row, dir_.path());
            return row;
        }
        FAIL("no example task " << name);
        return {};
    }
    tasks::swe::SweTask task(const std::string& name) const {
        auto parsed = tasks::swe::parse_swe_task(row(name));
        REQUIRE(parsed.has_value());
        return *parsed;
    }

private:
    TempDir dir_;
};

}  // namespace braid::test
