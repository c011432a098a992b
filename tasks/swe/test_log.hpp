#pragma once
// Test logs → per-test statuses (the fragile part of grading, reference §1.4 step 5).
//   pytest    lines "PASSED <id>", "FAILED <id> - msg", "ERROR <id>", "SKIPPED ...", "XFAIL <id>",
//             "XPASS <id>" of `pytest -rA`'s short summary, and the verbose "<id> PASSED" form
//   unittest  `python -m unittest -v` lines "test_x (pkg.mod.Class.test_x) ... ok|FAIL|ERROR|
//             skipped '...'|expected failure|unexpected success"; the id is "pkg.mod.Class.test_x"
//   regex     the task's env.log_regex, applied per line, named groups `test` and `status`; status
//             words (case-insensitive) pass|passed|ok, fail|failed|failure, error, skip|skipped,
//             xfail; lines over 4 KiB are skipped (std::regex would overflow the stack on them)
// Test names are matched to FAIL_TO_PASS/PASS_TO_PASS exactly, and a listed name that ends where
// a parametrized id was truncated matches by prefix (as the harness does).

#include <map>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace braid::tasks::swe {

enum class TestStatus { passed, failed, skipped, error, xfail };
std::string_view to_string(TestStatus status);

using TestStatusMap = std::map<std::string, TestStatus>;

// Errors (invalid_input): an unknown parser name, or a regex that does not compile. An empty map
// is not an error here; grading decides what an empty log means.
Result<TestStatusMap> parse_test_log(std::string_view parser, std::string_view log,
                                     const std::string& regex = {});

// The status of `name` in `statuses`: exact, else the unique key `name` is a prefix of (truncated
// parametrized ids), else none.
const TestStatus* find_status(const TestStatusMap& statuses, const std::string& name);

}  // namespace braid::tasks::swe
