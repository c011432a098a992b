#pragma once
// SWE-style tasks (reference/swe_verify_budget.md §1.2, §8a): SWE-bench rows load unchanged,
// plus an optional `env` object that says how to run the repository here, offline:
//
//   {"instance_id": "calc__calc-1", "repo": "examples/calc", "base_commit": "<sha>",
//    "problem_statement": "...", "FAIL_TO_PASS": ["tests/test_ops.py::test_div"],   (list or JSON string)
//    "PASS_TO_PASS": [...], "patch": "<gold diff>", "test_patch": "<test diff>",
//    "env": {"repo_path": "repos/calc", "setup": ["..."], "test_cmd": "python3 -m pytest -rA",
//            "test_directives": [...], "log_parser": "pytest|unittest|regex", "log_regex": "...",
//            "eval_type": "pass_and_fail|fail_only", "timeout_s": 1800, "command_timeout_s": 60,
//            "disk_quota_mb": 2048, "max_patch_kb": 2048, "network": false}}
//
// `patch`, `test_patch`, FAIL_TO_PASS and PASS_TO_PASS are hidden: only grading reads them; no
// prompt, agent tool or selection verifier ever sees them (solver_view() is what solvers get).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"

namespace braid::tasks::swe {

inline constexpr std::string_view kKind = "swe";

struct SweEnv {
    std::filesystem::path repo_path;  // a local git repository; absolute once prepared
    std::vector<std::string> setup;   // shell lines run in a workspace before its tests
    std::string test_cmd = "python3 -m pytest -rA";  // runs the suite (shell syntax)
    std::vector<std::string> test_directives;  // appended to test_cmd when grading; default: the
                                               // files test_patch touches
    std::string log_parser = "pytest";         // "pytest" | "unittest" | "regex"
    std::string log_regex;                     // regex parser: named groups `test` and `status`
    std::string eval_type = "pass_and_fail";   // or "fail_only"
    std::int64_t timeout_s = 1800;             // one test run
    std::int64_t command_timeout_s = 60;       // one agent command
    // The most a workspace may hold (its files' sizes, in MiB): a command that grows it past this
    // is stopped, and a workspace past it cannot be submitted.
    std::int64_t disk_quota_mb = 2048;
    std::int64_t max_patch_kb = 2048;  // the largest patch an agent may submit (KiB)
    bool network = false;
};

inline constexpr std::int64_t kMaxDiskQuotaMb = 1 << 20;  // 1 TiB
inline constexpr std::int64_t kMaxPatchKb = 64 << 10;     // 64 MiB

struct SweTask {
    std::string instance_id;
    std::string repo;
    std::string base_commit;
    std::string problem_statement;
    std::string hints_text;
    std::string version;
    std::vector<std::string> fail_to_pass;  // hidden
    std::vector<std::string> pass_to_pass;  // hidden
    std::string patch;                      // hidden (gold)
    std::string test_patch;                 // hidden
    SweEnv env;
};

// Reads a row. Errors (invalid_input) name the instance and the field: instance_id, repo,
// base_commit or problem_statement missing or not a string; FAIL_TO_PASS/PASS_TO_PASS neither a
// list of strings nor a JSON string holding one; a bad `env` field (wrong type, unknown
// log_parser or eval_type, regex parser without a valid log_regex with groups `test` and
// `status`, non-positive timeouts, disk_quota_mb or max_patch_kb not positive or past
// kMaxDiskQuotaMb / kMaxPatchKb); no env.repo_path (braid has no per-repo spec table: it runs
// local repositories only).
Result<SweTask> parse_swe_task(const nlohmann::json& row);

// Makes a relative env.repo_path absolute against `base_dir` (the task file's folder), in the row.
void resolve_repo_path(nlohmann::json& row, const std::filesystem::path& base_dir);

// The files a diff touches (the b/ side, or a/ for deletions), in order of appearance.
std::vector<std::string> files_in_diff(const std::string& diff);

// A prediction in the SWE-bench harness format.
struct Prediction {
    std::string instance_id;
    std::string model_name_or_path;
    std::string model_patch;
};
// {"instance_id": ..., "model_name_or_path": ..., "model_patch": ...} on one line.
std::string to_prediction_line(const Prediction& prediction);

}  // namespace braid::tasks::swe
