#pragma once
// TaskKind: what the layers above need to know about a kind of task, without knowing which kind:
// how to validate a row, the prompt a model sees, and how to grade an output (the task's own
// checker, plus a normalized answer key that clusters equivalent answers for voting).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "tasks/task.hpp"

namespace braid::tasks {

struct Grade {
    bool correct = false;     // the task's checker accepts the output
    std::string normalized;   // canonical answer key ("" when the output holds no answer)
    std::string reason;       // why it was rejected, or a short note
};

class TaskKind {
public:
    virtual ~TaskKind() = default;
    virtual std::string_view name() const = 0;
    // Checks a row of this kind; the error names the task id and the field at fault.
    virtual Result<void> validate(const Task& task) const = 0;
    // Called once when a row is read from a file in `source_dir`, before it is stored: rewrites
    // what depends on where the file was (relative paths). Default: nothing.
    virtual Result<void> prepare(Task& task, const std::filesystem::path& source_dir) const {
        (void)task, (void)source_dir;
        return {};
    }
    // Called before a prepared, valid row is solved: refuses (invalid_input) a row that names a
    // local resource this machine does not have. Default: nothing to check.
    virtual Result<void> check_resources(const Task& task) const {
        (void)task;
        return {};
    }
    // The text prompt a model continues for this task.
    virtual std::string prompt(const Task& task) const = 0;
    virtual std::vector<std::string> stop_strings() const { return {}; }
    // Grades one output. Never throws on malformed output; the reason says what failed.
    virtual Grade grade(const Task& task, std::string_view output) const = 0;
    // True when grade() reads what a solver must never see (SWE's hidden tests): its verdict is
    // then the `oracle`, used to evaluate a selection and never to make one. False (default): the
    // grade is the task's visible `checker` (Countdown's arithmetic, an answer match).
    virtual bool grade_is_hidden() const { return false; }
};

// The built-in kind named `name`, or null. The objects are immutable and live for the program.
const TaskKind* find_task_kind(std::string_view name);
// Names of the built-in kinds, for error messages.
std::vector<std::string> task_kind_names();

}  // namespace braid::tasks
