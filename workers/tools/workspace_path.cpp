#include "workers/tools/workspace_path.hpp"

#include <algorithm>
#include <system_error>

namespace braid::workers::tools {

namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& root, const fs::path& p) {
    auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    return r == root.end();
}

}  // namespace

Result<fs::path> resolve_in_workspace(const fs::path& workspace, const std::string& path,
                                      AbsolutePaths absolute) {
    if (path.empty()) return make_error(ErrorCode::invalid_input, "empty path");
    if (path.find('\0') != std::string::npos)
        return make_error(ErrorCode::invalid_input, "path contains NUL");
    const bool is_absolute = fs::path(path).is_absolute();
    if (is_absolute && absolute == AbsolutePaths::refused)
        return make_error(ErrorCode::invalid_input,
                          "path '" + path + "' is absolute; paths are relative to the workspace");
    std::error_code ec;
    fs::path root = fs::weakly_canonical(workspace, ec);
    if (ec) return make_error(ErrorCode::io, "cannot resolve the workspace: " + ec.message());
    fs::path resolved = fs::weakly_canonical(is_absolute ? fs::path(path) : root / path, ec);
    if (ec)
        return make_error(ErrorCode::invalid_input,
                          "cannot resolve path '" + path + "': " + ec.message());
    if (!inside(root, resolved))
        return make_error(ErrorCode::invalid_input, "path '" + path + "' is outside the workspace");
    return resolved;
}

}  // namespace braid::workers::tools
