#include "tasks/swe/command.hpp"

#include <cstdlib>

#include "tasks/env/child_setup.hpp"

namespace braid::tasks::swe {

namespace {

constexpr std::chrono::milliseconds kCommandTimeout{120'000};

std::string parent_path_variable() {
    const char* path = std::getenv("PATH");
    return path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
}

// argv[0] as an absolute path when PATH has it, so the result does not depend on how the child
// is exec'd; the name unchanged when PATH has no executable of that name.
std::string resolve_program(const std::string& name) {
    std::string resolved = env::resolve_program(name, parent_path_variable());
    return resolved.empty() ? name : resolved;
}

std::string describe_command(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
    return text;
}

}  // namespace

Result<env::ProcessResult> run_command(const std::vector<std::string>& argv,
                                       const std::filesystem::path& cwd,
                                       const std::filesystem::path& home,
                                       std::size_t max_output_bytes) {
    BRAID_ASSERT(!argv.empty(), "run_command needs a program");
    std::vector<std::string> resolved = argv;
    resolved[0] = resolve_program(argv[0]);
    env::ProcessOptions options;
    options.timeout = kCommandTimeout;
    options.max_output_bytes = max_output_bytes;
    options.environment = std::vector<std::string>{
        "PATH=" + parent_path_variable(),
        "LC_ALL=C",
        "HOME=" + home.string(),
        "GIT_CONFIG_NOSYSTEM=1",
        "GIT_CONFIG_GLOBAL=/dev/null",
        "GIT_TERMINAL_PROMPT=0",
        "GIT_AUTHOR_NAME=braid",
        "GIT_AUTHOR_EMAIL=braid@localhost",
        "GIT_COMMITTER_NAME=braid",
        "GIT_COMMITTER_EMAIL=braid@localhost",
        // Workspaces belong to the sandbox user once a command ran there (env/sandbox.hpp):
        // braid trusts its own checkouts whoever owns them.
        "GIT_CONFIG_COUNT=1",
        "GIT_CONFIG_KEY_0=safe.directory",
        "GIT_CONFIG_VALUE_0=*",
    };
    auto result = env::run_process(resolved, cwd, options);
    if (!result) return std::move(result).error().with_context("running " + describe_command(argv));
    if (result->timed_out)
        return make_error(ErrorCode::io, describe_command(argv) + ": timed out", true);
    return result;
}

Result<std::string> run_command_checked(const std::vector<std::string>& argv,
                                        const std::filesystem::path& cwd,
                                        const std::filesystem::path& home) {
    auto result = run_command(argv, cwd, home);
    if (!result) return std::move(result).error();
    if (result->exit_code != 0)
        return make_error(ErrorCode::io, describe_command(argv) + " exited " +
                                             std::to_string(result->exit_code) + ": " +
                                             result->err + result->out);
    return std::move(result->out);
}

}  // namespace braid::tasks::swe
