#include "tasks/swe/workspace.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "tasks/env/disk_usage.hpp"
#include "tasks/swe/command.hpp"

namespace braid::tasks::swe {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "braid-ws-";

// The pid in "braid-ws-<pid>-<n>", or 0 when the name is not one of ours.
pid_t owner_pid(const std::string& name) {
    if (!name.starts_with(kPrefix)) return 0;
    std::size_t start = kPrefix.size();
    std::size_t dash = name.find('-', start);
    if (dash == std::string::npos || dash == start) return 0;
    pid_t pid = 0;
    for (std::size_t i = start; i < dash; ++i) {
        if (name[i] < '0' || name[i] > '9') return 0;
        pid = pid * 10 + (name[i] - '0');
    }
    return pid;
}

bool process_alive(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

void sweep_stale(const fs::path& parent) {
    std::error_code ec;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        pid_t pid = owner_pid(it->path().filename().string());
        if (pid <= 0 || pid == ::getpid() || process_alive(pid)) continue;
        std::error_code ignored;  // another braid may be sweeping the same folder
        fs::remove_all(it->path(), ignored);
    }
}

std::string safe_label(const std::string& label) {
    std::string out;
    for (char c : label)
        out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
                   ? c
                   : '_';
    if (out.empty() || out.front() == '.') out.insert(out.begin(), 'w');
    constexpr std::size_t kMaxLabel = 80;
    return out.substr(0, kMaxLabel);
}

}  // namespace

Result<std::shared_ptr<WorkspaceRoot>> WorkspaceRoot::create(fs::path parent) {
    if (parent.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        parent = tmp != nullptr && *tmp != '\0' ? fs::path(tmp) : fs::path("/tmp");
    }
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec)
        return make_error(ErrorCode::io, "cannot create " + parent.string() + ": " + ec.message());
    sweep_stale(parent);
    std::string stem = std::string(kPrefix) + std::to_string(::getpid()) + "-";
    for (std::size_t n = 0;; ++n) {
        fs::path dir = parent / (stem + std::to_string(n));
        if (fs::create_directory(dir, ec))
            return std::shared_ptr<WorkspaceRoot>(new WorkspaceRoot(dir));
        if (ec)
            return make_error(ErrorCode::io, "cannot create " + dir.string() + ": " + ec.message());
    }
}

WorkspaceRoot::~WorkspaceRoot() {
    std::error_code ignored;  // best effort: a leftover is swept by the next braid
    fs::remove_all(dir_, ignored);
}

fs::path WorkspaceRoot::next_dir(const std::string& label) {
    std::size_t n = counter_.fetch_add(1);
    return dir_ / (safe_label(label) + "-" + std::to_string(n));
}

Result<Workspace> Workspace::create(std::shared_ptr<WorkspaceRoot> root, const fs::path& repo_path,
                                    const std::string& base_commit, const std::string& label) {
    BRAID_ASSERT(root != nullptr, "a workspace needs a root");
    const fs::path home = root->dir();
    std::error_code ec;
    if (!fs::is_directory(repo_path, ec))
        return make_error(ErrorCode::not_found,
                          "repository " + repo_path.string() + " does not exist");
    auto is_repo =
        run_command({"git", "-C", repo_path.string(), "rev-parse", "--git-dir"}, home, home);
    if (!is_repo) return std::move(is_repo).error();
    if (is_repo->exit_code != 0)
        return make_error(ErrorCode::not_found, repo_path.string() + " is not a git repository");
    auto commit = run_command(
        {"git", "-C", repo_path.string(), "cat-file", "-e", base_commit + "^{commit}"}, home, home);
    if (!commit) return std::move(commit).error();
    if (base_commit.empty() || base_commit.front() == '-' || commit->exit_code != 0)
        return make_error(
            ErrorCode::invalid_input,
            "base_commit '" + base_commit + "' is not a commit of " + repo_path.string());

    Workspace workspace;
    workspace.root_ = std::move(root);
    workspace.base_commit_ = base_commit;
    fs::path dir = workspace.root_->next_dir(label);
    auto cloned = run_command_checked(
        {"git", "clone", "--shared", "--no-checkout", "-q", repo_path.string(), dir.string()}, home,
        home);
    if (!cloned) return std::move(cloned).error();
    workspace.dir_ = dir;  // from here the destructor removes it
    auto checked_out = run_command_checked(
        {"git", "-c", "advice.detachedHead=false", "checkout", "-q", base_commit}, dir, home);
    if (!checked_out) return std::move(checked_out).error();
    return workspace;
}

Workspace::Workspace(Workspace&& other) noexcept
    : root_(std::move(other.root_)),
      dir_(std::move(other.dir_)),
      base_commit_(std::move(other.base_commit_)) {
    other.dir_.clear();
}

Workspace& Workspace::operator=(Workspace&& other) noexcept {
    if (this != &other) {
        Workspace gone(std::move(*this));  // removes our folder
        root_ = std::move(other.root_);
        dir_ = std::move(other.dir_);
        base_commit_ = std::move(other.base_commit_);
        other.dir_.clear();
    }
    return *this;
}

Workspace::~Workspace() {
    if (dir_.empty()) return;
    std::error_code ignored;  // best effort: the root's removal or the next sweep gets the rest
    fs::remove_all(dir_, ignored);
}

namespace {

// The working tree (tracked and untracked, not ignored) as a tree object, so that a failed
// attempt can be undone without losing changes made before apply_patch was called.
Result<std::string> snapshot(const fs::path& dir, const fs::path& home) {
    if (auto added = run_command_checked({"git", "add", "-A"}, dir, home); !added)
        return std::move(added).error();
    auto tree = run_command_checked({"git", "write-tree"}, dir, home);
    if (!tree) return std::move(tree).error();
    while (!tree->empty() && (tree->back() == '\n' || tree->back() == '\r')) tree->pop_back();
    return std::move(*tree);
}

Result<void> restore(const fs::path& dir, const fs::path& home, const std::string& tree) {
    if (auto read = run_command_checked({"git", "read-tree", "--reset", "-u", tree}, dir, home);
        !read)
        return std::move(read).error();
    if (auto clean = run_command_checked({"git", "clean", "-fdq"}, dir, home); !clean)
        return std::move(clean).error();
    return {};
}

bool blank(const std::string& text) {
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace

Result<std::string> Workspace::apply_patch(const std::string& diff) {
    if (blank(diff)) return std::string("empty");
    const fs::path home = root_->dir();
    fs::path file = dir_.string() + ".diff";  // beside the checkout, never inside it
    {
        std::ofstream out(file, std::ios::binary);
        out << diff;
        if (!diff.empty() && diff.back() != '\n') out << '\n';  // git apply rejects a cut last line
        if (!out) return make_error(ErrorCode::io, "cannot write " + file.string());
    }
    struct RemoveFile {
        fs::path path;
        ~RemoveFile() {
            std::error_code ignored;
            fs::remove(path, ignored);
        }
    } remove_file{file};

    auto tree = snapshot(dir_, home);
    if (!tree) return std::move(tree).error();
    // The harness's chain (reference §1.4 step 2). patch gets --no-backup-if-mismatch so a fuzzy
    // apply leaves no .orig files in the tree; what it applies is the same.
    struct Attempt {
        std::string method;
        std::vector<std::string> argv;
    };
    const std::string path = file.string();
    const std::vector<Attempt> attempts = {
        {"git apply", {"git", "apply", "--verbose", path}},
        {"git apply --3way", {"git", "apply", "--verbose", "--3way", path}},
        {"git apply --reject", {"git", "apply", "--verbose", "--reject", path}},
        {"patch --fuzz=5",
         {"patch", "--batch", "--forward", "--fuzz=5", "--no-backup-if-mismatch", "-p1", "-i",
          path}},
    };
    std::string last_output;
    for (const Attempt& attempt : attempts) {
        auto result = run_command(attempt.argv, dir_, home);
        if (!result) return std::move(result).error();
        if (result->exit_code == 0) return attempt.method;
        last_output = attempt.method + ": " + result->err + result->out;
        if (auto restored = restore(dir_, home, *tree); !restored)
            return std::move(restored).error();
    }
    auto reverse = run_command({"git", "apply", "--check", "--reverse", path}, dir_, home);
    if (!reverse) return std::move(reverse).error();
    if (reverse->exit_code == 0) return std::string("already applied");
    constexpr std::size_t kMaxMessage = 4000;
    if (last_output.size() > kMaxMessage) last_output = last_output.substr(0, kMaxMessage) + "...";
    return make_error(ErrorCode::invalid_input, "the patch does not apply: " + last_output);
}

namespace {

// Whether a symlink at `link` (relative to the workspace) with target `target` leads outside it.
bool leads_outside(const fs::path& link, const fs::path& target) {
    if (target.is_absolute()) return true;
    const fs::path resolved = (link.parent_path() / target).lexically_normal();
    return resolved.empty() || *resolved.begin() == "..";
}

// The staged changes' symlinks that lead outside the workspace, as "path -> target" lines.
Result<std::string> outside_symlinks(const fs::path& dir, const fs::path& home,
                                     const std::string& base_commit) {
    // Records of `--raw -z`: ":<old mode> <new mode> <old sha> <new sha> <status>\0<path>\0".
    auto raw = run_command_checked(
        {"git", "diff", "--cached", "--raw", "-z", "--no-renames", base_commit}, dir, home);
    if (!raw) return std::move(raw).error();
    std::string found;
    std::size_t at = 0;
    while (at < raw->size()) {
        const std::size_t header_end = raw->find('\0', at);
        if (header_end == std::string::npos) break;
        const std::size_t path_end = raw->find('\0', header_end + 1);
        if (path_end == std::string::npos) break;
        const std::string header = raw->substr(at, header_end - at);
        const std::string path = raw->substr(header_end + 1, path_end - header_end - 1);
        at = path_end + 1;
        if (header.size() < 15 || header.compare(8, 6, "120000") != 0) continue;  // new mode
        std::error_code ec;
        const fs::path target = fs::read_symlink(dir / path, ec);
        if (!ec && leads_outside(path, target))
            found += "  " + path + " -> " + target.string() + "\n";
    }
    return found;
}

}  // namespace

Result<std::string> Workspace::diff(const DiffLimits& limits) const {
    const fs::path home = root_->dir();
    if (limits.max_tree_bytes > 0)
        if (const std::uint64_t bytes = env::folder_bytes({dir_}); bytes > limits.max_tree_bytes)
            return make_error(ErrorCode::invalid_input,
                              "the workspace holds " + std::to_string(bytes >> 20) +
                                  " MiB, past its quota of " +
                                  std::to_string(limits.max_tree_bytes >> 20) +
                                  " MiB: remove what is not part of the change");
    if (auto added = run_command_checked({"git", "add", "-A"}, dir_, home); !added)
        return std::move(added).error();
    auto outside = outside_symlinks(dir_, home, base_commit_);
    if (!outside) return std::move(outside).error();
    if (!outside->empty())
        return make_error(ErrorCode::invalid_input,
                          "the changes add symlinks that lead outside the repository (a patch may "
                          "not carry them; remove them or point them inside):\n" +
                              *outside);
    // A cut diff would be a corrupt patch: fail rather than truncate.
    const std::vector<std::string> argv = {"git", "diff", "--cached", "--binary", base_commit_};
    auto result = run_command(argv, dir_, home, limits.max_patch_bytes);
    if (!result) return std::move(result).error();
    if (result->exit_code != 0)
        return make_error(ErrorCode::io, "git diff exited " + std::to_string(result->exit_code) +
                                             ": " + result->err);
    if (result->truncated)
        return make_error(ErrorCode::invalid_input,
                          "the patch is longer than its limit of " +
                              std::to_string(limits.max_patch_bytes >> 10) +
                              " KiB: remove what is not part of the change");
    return std::move(result->out);
}

std::vector<fs::path> Workspace::borrowed_objects() const {
    std::vector<fs::path> folders;
    std::ifstream alternates(dir_ / ".git" / "objects" / "info" / "alternates");
    for (std::string line; std::getline(alternates, line);)
        if (!line.empty() && line.front() == '/') folders.emplace_back(line);
    return folders;
}

Result<void> Workspace::reset() {
    const fs::path home = root_->dir();
    if (auto r = run_command_checked({"git", "reset", "-q", "--hard", base_commit_}, dir_, home);
        !r)
        return std::move(r).error();
    if (auto r = run_command_checked({"git", "clean", "-fdq"}, dir_, home); !r)
        return std::move(r).error();
    return {};
}

}  // namespace braid::tasks::swe
