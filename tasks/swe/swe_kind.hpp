#pragma once
// The `swe` task kind. Rows are SWE-bench instances (tasks/swe/swe_task.hpp); a row with an
// `instance_id` and no `kind` is of this kind. The prompt is the problem statement (with hints
// when present) and never a hidden field. An output is a patch: grade() runs the hidden tests
// (evaluate_patch, in a sandbox probed once per process) and is blocking, seconds per call — call
// it on a pool thread. Grade::normalized is normalize_patch(output); correct = RESOLVED_FULL;
// reason = the resolution or the grading error, with the report as JSON after a newline.

#include "tasks/task_kind.hpp"

namespace braid::tasks::swe {

class SweKind final : public TaskKind {
public:
    std::string_view name() const override;
    Result<void> validate(const Task& task) const override;
    Result<void> prepare(Task& task, const std::filesystem::path& source_dir) const override;
    Result<void> check_resources(const Task& task) const override;
    std::string prompt(const Task& task) const override;
    Grade grade(const Task& task, std::string_view output) const override;
    bool grade_is_hidden() const override { return true; }
};

// A canonical key for voting: per file, the diff's +/- lines with trailing whitespace stripped,
// whitespace-only changes, blank lines and comment-only lines dropped (a line whose text, leading
// whitespace stripped, starts with `#` in .py/.pyi files or `//` in C-like ones: c, h, cc, cpp,
// cxx, hpp, cu, java, js, ts, go, rs, cs, swift, kt, scala, ...), context and hunk positions left
// out; files in path order. Two fixes that differ only in comments or whitespace get the same
// key. "" for a patch with no substantive change.
std::string normalize_patch(const std::string& diff);

// Splits a diff into the part that touches test files (paths with a `test`/`tests` component or
// a test_*.py / *_test.py name) and the rest.
struct SplitPatch {
    std::string fix;
    std::string tests;
};
SplitPatch split_test_files(const std::string& diff);

}  // namespace braid::tasks::swe
