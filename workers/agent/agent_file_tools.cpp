// read_file, search and edit on a workspace folder (agent_tools.hpp).
#include <algorithm>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <system_error>

#include "workers/agent/agent_tools.hpp"

namespace braid::workers::agent {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxSearchLineChars = 2000;  // longer lines are matched on their head only
constexpr std::size_t kMaxSearchFiles = 20'000;

ToolOutcome fail(std::string why) { return ToolOutcome{false, std::move(why), false, {}}; }
ToolOutcome done(std::string what) { return ToolOutcome{true, std::move(what), false, {}}; }

// A string argument; `required` ones must be present.
Result<std::string> string_arg(const nlohmann::json& args, const char* key, bool required) {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) {
        if (required) return make_error(ErrorCode::invalid_input, std::string("missing argument \"") + key + "\"");
        return std::string();
    }
    if (!it->is_string()) return make_error(ErrorCode::invalid_input, std::string("argument \"") + key + "\" must be a string");
    return it->get<std::string>();
}

// An optional positive line number; 0 when absent.
Result<long> line_arg(const nlohmann::json& args, const char* key) {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) return 0L;
    if (!it->is_number_integer() || it->get<long>() < 1)
        return make_error(ErrorCode::invalid_input, std::string("argument \"") + key + "\" must be a line number from 1");
    return it->get<long>();
}

bool inside(const fs::path& root, const fs::path& p) {
    auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    return r == root.end();
}

Result<std::string> read_text(const fs::path& path, const std::string& shown) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return make_error(ErrorCode::not_found, "'" + shown + "' is not a file");
    if (fs::file_size(path, ec) > kMaxFileBytes)
        return make_error(ErrorCode::invalid_input, "'" + shown + "' is larger than " + std::to_string(kMaxFileBytes) + " bytes");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::io, "cannot open '" + shown + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out.flush());
}

bool looks_binary(const std::string& text) { return text.find('\0', 0) < std::min<std::size_t>(text.size(), 8192); }

std::size_t count_occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

Result<fs::path> workspace_path(const fs::path& root, const std::string& relative) {
    if (relative.empty()) return make_error(ErrorCode::invalid_input, "empty path");
    if (relative.find('\0') != std::string::npos) return make_error(ErrorCode::invalid_input, "path contains NUL");
    if (fs::path(relative).is_absolute())
        return make_error(ErrorCode::invalid_input, "path '" + relative + "' is absolute; paths are relative to the workspace");
    std::error_code ec;
    fs::path canonical_root = fs::weakly_canonical(root, ec);
    if (ec) return make_error(ErrorCode::io, "cannot resolve the workspace: " + ec.message());
    fs::path resolved = fs::weakly_canonical(canonical_root / relative, ec);
    if (ec) return make_error(ErrorCode::invalid_input, "cannot resolve path '" + relative + "': " + ec.message());
    if (!inside(canonical_root, resolved))
        return make_error(ErrorCode::invalid_input, "path '" + relative + "' is outside the workspace");
    return resolved;
}

ToolOutcome read_file_tool(const fs::path& root, const nlohmann::json& args) {
    auto relative = string_arg(args, "path", true);
    if (!relative) return fail(relative.error().message);
    auto start = line_arg(args, "start");
    auto end = line_arg(args, "end");
    if (!start) return fail(start.error().message);
    if (!end) return fail(end.error().message);
    auto path = workspace_path(root, *relative);
    if (!path) return fail(path.error().message);
    auto text = read_text(*path, *relative);
    if (!text) return fail(text.error().message);
    long first = *start > 0 ? *start : 1;
    long last = *end > 0 ? *end : std::numeric_limits<long>::max();
    if (last < first) return fail("end is before start");
    std::istringstream lines(*text);
    std::string line, out;
    long n = 1;
    for (; std::getline(lines, line); ++n)
        if (n >= first && n <= last) out += std::to_string(n) + "\t" + line + "\n";
    long total = n - 1;
    if (total > 0 && first > total)
        return fail("'" + *relative + "' has " + std::to_string(total) + " lines; start " + std::to_string(first) + " is past the end");
    return done(out.empty() ? "(empty file)" : out);
}

ToolOutcome search_tool(const fs::path& root, const nlohmann::json& args) {
    auto pattern = string_arg(args, "pattern", true);
    if (!pattern) return fail(pattern.error().message);
    if (pattern->empty()) return fail("empty pattern");
    auto under = string_arg(args, "path", false);
    if (!under) return fail(under.error().message);
    auto start = workspace_path(root, under->empty() ? "." : *under);
    if (!start) return fail(start.error().message);
    std::regex re;
    try {
        re = std::regex(*pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return fail("invalid regex: " + std::string(e.what()));
    }
    std::error_code ec;
    fs::path canonical_root = fs::weakly_canonical(root, ec);
    std::vector<fs::path> files;
    if (fs::is_regular_file(*start, ec)) {
        files.push_back(*start);
    } else {
        // Symlinks are not followed and .git is skipped, so the walk stays in the working tree.
        for (auto it = fs::recursive_directory_iterator(*start, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator() && files.size() < kMaxSearchFiles; it.increment(ec)) {
            if (it->is_directory(ec) && it->path().filename() == ".git") {
                it.disable_recursion_pending();
                continue;
            }
            if (!it->is_symlink(ec) && it->is_regular_file(ec)) files.push_back(it->path());
        }
        std::sort(files.begin(), files.end());
    }
    std::string out;
    std::size_t matches = 0;
    for (const fs::path& file : files) {
        std::string shown = fs::relative(file, canonical_root, ec).generic_string();
        auto text = read_text(file, shown);
        if (!text || looks_binary(*text)) continue;
        std::istringstream lines(*text);
        std::string line;
        for (std::size_t n = 1; std::getline(lines, line); ++n) {
            std::string_view head(line.data(), std::min(line.size(), kMaxSearchLineChars));
            if (!std::regex_search(head.begin(), head.end(), re)) continue;
            out += shown + ":" + std::to_string(n) + ": " + line + "\n";
            if (++matches >= kMaxSearchMatches) return done(out + "[stopped at " + std::to_string(kMaxSearchMatches) + " matches]\n");
        }
    }
    return done(out.empty() ? "no matches" : out);
}

ToolOutcome edit_tool(const fs::path& root, const nlohmann::json& args) {
    auto relative = string_arg(args, "path", true);
    auto old_text = string_arg(args, "old", true);
    auto new_text = string_arg(args, "new", true);
    for (const auto* arg : {&relative, &old_text, &new_text})
        if (!*arg) return fail(arg->error().message);
    auto path = workspace_path(root, *relative);
    if (!path) return fail(path.error().message);
    std::error_code ec;
    if (old_text->empty()) {
        if (fs::exists(fs::symlink_status(*path, ec))) return fail("'" + *relative + "' exists; old \"\" only creates new files");
        fs::create_directories(path->parent_path(), ec);
        if (ec || !write_text(*path, *new_text)) return fail("cannot create '" + *relative + "'");
        return done("created " + *relative);
    }
    auto text = read_text(*path, *relative);
    if (!text) return fail(text.error().message);
    std::size_t n = count_occurrences(*text, *old_text);
    if (n == 0) return fail("the old text does not occur in '" + *relative + "' (it must match exactly, whitespace included)");
    if (n > 1)
        return fail("the old text occurs " + std::to_string(n) + " times in '" + *relative +
                    "'; include more surrounding lines so it occurs once");
    std::size_t at = text->find(*old_text);
    std::string edited = text->substr(0, at) + *new_text + text->substr(at + old_text->size());
    if (!write_text(*path, edited)) return fail("cannot write '" + *relative + "'");
    long line = 1 + std::count(text->begin(), text->begin() + static_cast<std::ptrdiff_t>(at), '\n');
    return done("edited " + *relative + " at line " + std::to_string(line));
}

}  // namespace braid::workers::agent
