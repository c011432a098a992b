// read_file, search and edit (file_tools.hpp): blocking tools on a workspace folder.
#include "workers/tools/file_tools.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <system_error>
#include <vector>

#include "workers/tools/tool_args.hpp"

namespace braid::workers::tools {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxRegexLineChars = 2000;  // longer lines are matched on their head only
constexpr std::size_t kBinaryProbeBytes = 8192;

Result<std::string> not_a_file(const std::string& shown) {
    return make_error(ErrorCode::not_found, "'" + shown + "' is not a file in the workspace");
}

// The whole file; one past `max_bytes` is refused.
Result<std::string> read_text(const fs::path& path, const std::string& shown,
                              std::uintmax_t max_bytes) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return not_a_file(shown);
    if (fs::file_size(path, ec) > max_bytes)
        return make_error(ErrorCode::invalid_input,
                          "'" + shown + "' is larger than " + std::to_string(max_bytes) + " bytes");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::io, "cannot open '" + shown + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The first `max_bytes` of the file, with a note when there is more.
Result<std::string> read_head(const fs::path& path, const std::string& shown,
                              std::size_t max_bytes) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return not_a_file(shown);
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::io, "cannot open '" + shown + "'");
    std::string text(max_bytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() == max_bytes && in.peek() != std::char_traits<char>::eof())
        text += "\n[file truncated at " + std::to_string(max_bytes) + " bytes]";
    return text;
}

// Lines first..last of `text`, numbered; last 0 is the end.
Result<std::string> numbered(const std::string& text, const std::string& shown, long first,
                             long last) {
    if (last == 0) last = std::numeric_limits<long>::max();
    if (last < first) return make_error(ErrorCode::invalid_input, "end is before start");
    std::istringstream lines(text);
    std::string line, out;
    long n = 1;
    for (; std::getline(lines, line); ++n)
        if (n >= first && n <= last) out += std::to_string(n) + "\t" + line + "\n";
    long total = n - 1;
    if (total > 0 && first > total)
        return make_error(ErrorCode::invalid_input, "'" + shown + "' has " + std::to_string(total) +
                                                        " lines; start " + std::to_string(first) +
                                                        " is past the end");
    return out.empty() ? std::string("(empty file)") : out;
}

bool write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out.flush());
}

bool looks_binary(const std::string& text) {
    return text.find('\0') < std::min(text.size(), kBinaryProbeBytes);
}

std::size_t count_occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1))
        ++n;
    return n;
}

// The regular files under `start` (itself when it is one), sorted; symlinks are not followed and
// .git is skipped, so the walk stays in the working tree.
std::vector<fs::path> files_under(const fs::path& start, const FileToolOptions& options) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_regular_file(start, ec)) return {start};
    for (auto it = fs::recursive_directory_iterator(
             start, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator() && files.size() < options.max_search_files;
         it.increment(ec)) {
        if (it->is_directory(ec) && it->path().filename() == ".git") {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
        if (it->file_size(ec) > options.max_search_file_bytes || ec) continue;
        files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

class FileTool : public BlockingTool {
public:
    FileTool(fs::path root, FileToolOptions options) : root_(std::move(root)), options_(options) {}

protected:
    Result<fs::path> resolve(const std::string& path) const {
        return resolve_in_workspace(root_, path, options_.absolute_paths);
    }
    fs::path root_;
    FileToolOptions options_;
};

class ReadFileTool final : public FileTool {
public:
    using FileTool::FileTool;
    std::string_view name() const override { return "read_file"; }
    std::string_view description() const override { return options_.read_description; }

protected:
    Result<ToolOutput> call(const nlohmann::json& json, int) const override {
        ToolArgs args(name(), json);
        auto relative = args.string(0, "path");
        if (!relative) return std::move(relative).error();
        const bool lines = options_.read_style == ReadStyle::numbered_lines;
        auto start = lines ? args.line_number(1, "start") : Result<long>(0L);
        if (!start) return std::move(start).error();
        auto end = lines ? args.line_number(2, "end") : Result<long>(0L);
        if (!end) return std::move(end).error();
        auto path = resolve(*relative);
        if (!path) return std::move(path).error();
        if (!lines) {
            auto head = read_head(*path, *relative, options_.max_read_bytes);
            if (!head) return std::move(head).error();
            return ToolOutput{std::move(*head), {}};
        }
        auto text = read_text(*path, *relative, options_.max_read_bytes);
        if (!text) return std::move(text).error();
        auto shown = numbered(*text, *relative, *start > 0 ? *start : 1, *end);
        if (!shown) return std::move(shown).error();
        return ToolOutput{std::move(*shown), {}};
    }
};

class SearchTool final : public FileTool {
public:
    using FileTool::FileTool;
    std::string_view name() const override { return options_.search_name; }
    std::string_view description() const override { return options_.search_description; }

protected:
    Result<ToolOutput> call(const nlohmann::json& json, int) const override {
        ToolArgs args(name(), json);
        auto pattern = args.string(0, "pattern");
        if (!pattern) return std::move(pattern).error();
        if (pattern->empty())
            return make_error(ErrorCode::invalid_input, std::string(name()) + ": empty pattern");
        auto under = args.optional_string(1, "path");
        if (!under) return std::move(under).error();
        auto start = resolve(under->empty() ? "." : *under);
        if (!start) return std::move(start).error();
        std::optional<std::regex> re;
        if (options_.search_pattern == PatternKind::regex) {
            try {
                re.emplace(*pattern, std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                return make_error(ErrorCode::invalid_input,
                                  "invalid regex: " + std::string(e.what()));
            }
        }
        auto matches = [&](const std::string& line) {
            if (!re) return line.find(*pattern) != std::string::npos;
            std::string_view head(line.data(), std::min(line.size(), kMaxRegexLineChars));
            return std::regex_search(head.begin(), head.end(), *re);
        };
        std::error_code ec;
        fs::path root = fs::weakly_canonical(root_, ec);
        std::string out;
        std::size_t found = 0;
        for (const fs::path& file : files_under(*start, options_)) {
            std::string shown = fs::relative(file, root, ec).generic_string();
            auto text = read_text(file, shown, options_.max_search_file_bytes);
            if (!text || looks_binary(*text)) continue;
            std::istringstream lines(*text);
            std::string line;
            for (std::size_t n = 1; std::getline(lines, line); ++n) {
                if (!matches(line)) continue;
                out += shown + ":" + std::to_string(n) + ": " + line + "\n";
                if (++found >= options_.max_search_matches)
                    return ToolOutput{out + "[stopped at " + std::to_string(found) + " matches]\n",
                                      {}};
            }
        }
        return ToolOutput{out.empty() ? "no matches" : out, {}};
    }
};

class EditTool final : public FileTool {
public:
    using FileTool::FileTool;
    std::string_view name() const override { return "edit"; }
    std::string_view description() const override { return options_.edit_description; }

protected:
    Result<ToolOutput> call(const nlohmann::json& json, int) const override {
        ToolArgs args(name(), json);
        auto relative = args.string(0, "path");
        auto old_text = args.string(1, "old");
        auto new_text = args.string(2, "new");
        for (auto* arg : {&relative, &old_text, &new_text})
            if (!*arg) return std::move(*arg).error();
        auto path = resolve(*relative);
        if (!path) return std::move(path).error();
        std::error_code ec;
        if (old_text->empty()) {
            if (fs::exists(fs::symlink_status(*path, ec)))
                return make_error(ErrorCode::invalid_input,
                                  "'" + *relative + "' exists; old \"\" only creates new files");
            fs::create_directories(path->parent_path(), ec);
            if (ec || !write_text(*path, *new_text))
                return make_error(ErrorCode::io, "cannot create '" + *relative + "'");
            return ToolOutput{"created " + *relative, {}};
        }
        auto text = read_text(*path, *relative, kMaxEditFileBytes);
        if (!text) return std::move(text).error();
        std::size_t n = count_occurrences(*text, *old_text);
        if (n == 0)
            return make_error(ErrorCode::invalid_input,
                              "the old text does not occur in '" + *relative +
                                  "' (it must match exactly, whitespace included)");
        if (n > 1)
            return make_error(ErrorCode::invalid_input,
                              "the old text occurs " + std::to_string(n) + " times in '" +
                                  *relative +
                                  "'; include more surrounding lines so it occurs once");
        std::size_t at = text->find(*old_text);
        std::string edited = text->substr(0, at) + *new_text + text->substr(at + old_text->size());
        if (!write_text(*path, edited))
            return make_error(ErrorCode::io, "cannot write '" + *relative + "'");
        long line =
            1 + std::count(text->begin(), text->begin() + static_cast<std::ptrdiff_t>(at), '\n');
        return ToolOutput{"edited " + *relative + " at line " + std::to_string(line), {}};
    }
};

}  // namespace

std::unique_ptr<Tool> make_read_file_tool(fs::path workspace, FileToolOptions options) {
    return std::make_unique<ReadFileTool>(std::move(workspace), options);
}
std::unique_ptr<Tool> make_search_tool(fs::path workspace, FileToolOptions options) {
    return std::make_unique<SearchTool>(std::move(workspace), options);
}
std::unique_ptr<Tool> make_edit_tool(fs::path workspace, FileToolOptions options) {
    return std::make_unique<EditTool>(std::move(workspace), options);
}

}  // namespace braid::workers::tools
