#pragma once
// The one check that keeps a tool's path inside its workspace folder; every file tool resolves
// its paths here.

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace braid::workers::tools {

// Whether a path may be given absolute (it must still resolve inside the workspace).
enum class AbsolutePaths { refused, inside_workspace };

// `path` resolved against `workspace` (any path to a folder; canonicalized here): symlinks
// followed, `..` folded; the file need not exist. Errors: invalid_input for an empty path, a NUL,
// an absolute path under AbsolutePaths::refused, a path that cannot be resolved or that resolves
// outside the canonical workspace ("... is outside the workspace"); io when the workspace itself
// cannot be resolved.
Result<std::filesystem::path> resolve_in_workspace(const std::filesystem::path& workspace,
                                                   const std::string& path,
                                                   AbsolutePaths absolute = AbsolutePaths::refused);

}  // namespace braid::workers::tools
