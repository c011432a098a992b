#include "workers/tools/file_tools.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/async.hpp"

namespace braid::workers::tools {

namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& root, const fs::path& p) {
    auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    return r == root.end();
}

Result<std::string> read_capped(const fs::path& path, const std::string& shown) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        return make_error(ErrorCode::not_found,
                          "read_file: '" + shown + "' is not a file in the workspace");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::io, "read_file: cannot open '" + shown + "'");
    std::string text(kMaxReadBytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (in.gcount() == static_cast<std::streamsize>(kMaxReadBytes) &&
        in.peek() != std::char_traits<char>::eof())
        text += "\n[file truncated at " + std::to_string(kMaxReadBytes) + " bytes]";
    return text;
}

std::string search(const fs::path& root, const std::string& pattern) {
    std::string out;
    std::size_t matches = 0, files = 0;
    std::error_code ec;
    // Directory symlinks are not followed, so the walk never leaves the workspace.
    for (auto it = fs::recursive_directory_iterator(
             root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
        if (it->file_size(ec) > kMaxSearchFileBytes || ec) continue;
        if (++files > kMaxSearchFiles) break;
        std::ifstream in(it->path());
        std::string line;
        for (std::size_t n = 1; std::getline(in, line); ++n) {
            if (line.find(pattern) == std::string::npos) continue;
            out += fs::relative(it->path(), root).generic_string() + ":" + std::to_string(n) +
                   ": " + line + "\n";
            if (++matches >= kMaxSearchMatches)
                return out + "[stopped at " + std::to_string(kMaxSearchMatches) + " matches]\n";
        }
    }
    return out.empty() ? "no matches" : out;
}

class ReadFileTool final : public Tool {
public:
    explicit ReadFileTool(fs::path root) : root_(std::move(root)) {}
    std::string_view name() const override { return "read_file"; }
    std::string_view description() const override {
        return "read_file(path: str) -> str. Returns the text of a file in the workspace (path "
               "relative to it).";
    }
    asio::awaitable<Result<std::string>> run(nlohmann::json args,
                                             asio::thread_pool& pool) const override {
        auto relative = string_arg("read_file", args, 0);
        if (!relative) co_return std::move(relative).error();
        auto path = resolve_in_workspace(root_, *relative);
        if (!path) co_return std::move(path).error();
        auto work = [p = std::move(*path), shown = *relative] { return read_capped(p, shown); };
        auto op = async::run_blocking(pool, std::move(work));  // named: the GCC 12 coroutine trap
        Result<std::string> text = co_await std::move(op);
        co_return text;
    }

private:
    fs::path root_;
};

class SearchFilesTool final : public Tool {
public:
    explicit SearchFilesTool(fs::path root) : root_(std::move(root)) {}
    std::string_view name() const override { return "search_files"; }
    std::string_view description() const override {
        return "search_files(pattern: str) -> str. Lists 'path:line: text' for every line of the "
               "workspace's "
               "files containing the pattern (plain text, case-sensitive).";
    }
    asio::awaitable<Result<std::string>> run(nlohmann::json args,
                                             asio::thread_pool& pool) const override {
        auto pattern = string_arg("search_files", args, 0);
        if (!pattern) co_return std::move(pattern).error();
        if (pattern->empty())
            co_return make_error(ErrorCode::invalid_input, "search_files: empty pattern");
        auto work = [root = root_, p = std::move(*pattern)] { return search(root, p); };
        auto op = async::run_blocking(pool, std::move(work));  // named: the GCC 12 coroutine trap
        std::string found = co_await std::move(op);
        co_return found;
    }

private:
    fs::path root_;
};

}  // namespace

Result<fs::path> resolve_in_workspace(const fs::path& workspace, const std::string& relative) {
    if (relative.empty()) return make_error(ErrorCode::invalid_input, "empty path");
    if (relative.find('\0') != std::string::npos)
        return make_error(ErrorCode::invalid_input, "path contains NUL");
    fs::path candidate =
        fs::path(relative).is_absolute() ? fs::path(relative) : workspace / relative;
    std::error_code ec;
    fs::path resolved = fs::weakly_canonical(candidate, ec);
    if (ec)
        return make_error(ErrorCode::invalid_input,
                          "cannot resolve path '" + relative + "': " + ec.message());
    if (!inside(workspace, resolved))
        return make_error(ErrorCode::invalid_input,
                          "path '" + relative + "' is outside the workspace");
    return resolved;
}

std::unique_ptr<Tool> make_read_file_tool(fs::path workspace) {
    return std::make_unique<ReadFileTool>(std::move(workspace));
}
std::unique_ptr<Tool> make_search_files_tool(fs::path workspace) {
    return std::make_unique<SearchFilesTool>(std::move(workspace));
}

}  // namespace braid::workers::tools
