#pragma once
// One isolated checkout per candidate: `git clone --shared --no-checkout` of the task's repository
// (objects borrowed, nothing written into the source repository) checked out at base_commit, in a
// fresh folder under a root that braid owns. Removed when the Workspace is destroyed; folders left
// by a crashed braid (their owner pid gone) are swept by WorkspaceRoot's constructor.
//
// git and patch run as trusted child processes (env::run_process), never through a shell.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace braid::tasks::swe {

// The folder workspaces live under: <parent>/braid-ws-<pid>-<n>/. Removing it removes them all.
class WorkspaceRoot {
public:
    // `parent` default: $TMPDIR or /tmp. Sweeps stale braid-ws-<pid>-* folders of dead pids.
    static Result<std::shared_ptr<WorkspaceRoot>> create(std::filesystem::path parent = {});
    ~WorkspaceRoot();
    const std::filesystem::path& dir() const { return dir_; }
    // Unique, not yet created; safe to call from many threads.
    std::filesystem::path next_dir(const std::string& label);

private:
    explicit WorkspaceRoot(std::filesystem::path dir) : dir_(std::move(dir)) {}
    std::filesystem::path dir_;
    std::atomic<std::size_t> counter_{0};
};

struct DiffLimits {
    std::uint64_t max_tree_bytes = 0;           // the workspace's files (folder_bytes); 0: any
    std::size_t max_patch_bytes = 64ull << 20;  // the diff's length
};

class Workspace {
public:
    // Errors: not_found (repo_path is not a git repository), invalid_input (base_commit is not a
    // commit of it: the message names the commit), io (git failed: its stderr).
    static Result<Workspace> create(std::shared_ptr<WorkspaceRoot> root,
                                    const std::filesystem::path& repo_path,
                                    const std::string& base_commit, const std::string& label);
    Workspace(Workspace&&) noexcept;
    Workspace& operator=(Workspace&&) noexcept;
    ~Workspace();  // removes the folder (best effort; never throws)

    const std::filesystem::path& dir() const { return dir_; }
    const std::string& base_commit() const { return base_commit_; }

    // Applies a unified diff with the harness chain (§1.4): git apply --verbose, then --3way, then
    // --reject, then patch --batch --forward --fuzz=5 -p1; the tree is reset between attempts; a
    // patch that applies in reverse counts as already applied. Returns the method that worked
    // ("git apply", "git apply --3way", ..., "already applied"). An empty diff applies as
    // "empty". Errors (invalid_input): nothing worked; the message carries the last tool's output.
    Result<std::string> apply_patch(const std::string& diff);

    // The working tree against base_commit as a git diff, new untracked files included, binary
    // files as git binary patches. "" when nothing changed. Errors: invalid_input when the
    // changes add a symlink leading outside the repository (absolute, or up past its top), when
    // the files hold more than limits.max_tree_bytes (checked before git reads them) or the diff
    // is longer than limits.max_patch_bytes; io when git fails.
    Result<std::string> diff(const DiffLimits& limits = {}) const;

    // Back to base_commit: tracked files checked out, untracked files removed.
    Result<void> reset();

    // The object folders of the source repository this checkout borrows (its git alternates),
    // which a sandbox must show for git to work in the workspace.
    std::vector<std::filesystem::path> borrowed_objects() const;

private:
    Workspace() = default;
    std::shared_ptr<WorkspaceRoot> root_;
    std::filesystem::path dir_;
    std::string base_commit_;
};

}  // namespace braid::tasks::swe
