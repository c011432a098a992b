// normalize_patch and split_test_files (declared in swe_kind.hpp): a unified diff read as file
// sections, each with its path and its removed/added lines.
#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>
#include <vector>

#include "tasks/swe/swe_kind.hpp"

namespace braid::tasks::swe {

namespace {

struct FileSection {
    std::string path;
    std::string text;  // the section verbatim, header included
    std::vector<std::string> removed, added;
    bool has_hunk = false;
};

std::string strip_path(std::string_view path) {
    std::size_t tab = path.find('\t');
    if (tab != std::string_view::npos) path = path.substr(0, tab);
    while (!path.empty() && (path.back() == '\r' || path.back() == ' ')) path.remove_suffix(1);
    if (path.size() > 2 && (path.starts_with("a/") || path.starts_with("b/")))
        path.remove_prefix(2);
    return std::string(path);
}

// "@@ -a,b +c,d @@": b and d (1 when omitted).
bool hunk_counts(std::string_view line, long& old_count, long& new_count) {
    auto count_after = [&line](char sign, long& out) {
        std::size_t at = line.find(sign, 2);
        if (at == std::string_view::npos) return false;
        std::size_t i = at + 1;
        while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
        out = 1;
        if (i < line.size() && line[i] == ',') {
            out = 0;
            // Saturates: a count past any real file's length (model output may say anything)
            // just runs the hunk to the end of the diff.
            constexpr long kSaturated = 1'000'000'000'000'000L;
            for (++i; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])); ++i)
                out = out >= kSaturated ? kSaturated : out * 10 + (line[i] - '0');
        }
        return true;
    };
    return count_after('-', old_count) && count_after('+', new_count);
}

// Splits `diff` into file sections; text before the first one is returned in `preamble`.
std::vector<FileSection> read_sections(const std::string& diff, std::string& preamble) {
    std::vector<FileSection> sections;
    long old_left = 0, new_left = 0;  // lines left in the current hunk
    std::size_t pos = 0;
    while (pos < diff.size()) {
        std::size_t end = diff.find('\n', pos);
        std::size_t next = end == std::string::npos ? diff.size() : end + 1;
        std::string_view line(diff.data() + pos,
                              (end == std::string::npos ? diff.size() : end) - pos);
        std::string_view raw(diff.data() + pos, next - pos);
        pos = next;
        bool in_hunk = old_left > 0 || new_left > 0;
        if (!in_hunk) {
            bool git_header = line.starts_with("diff --git ");
            bool plain_header =
                line.starts_with("--- ") && (sections.empty() || sections.back().has_hunk);
            if (git_header || plain_header) {
                sections.push_back({});
                if (git_header) {
                    std::size_t b = line.rfind(" b/");
                    if (b != std::string_view::npos)
                        sections.back().path = strip_path(line.substr(b + 1));
                }
            }
        }
        if (sections.empty()) {
            preamble += raw;
            continue;
        }
        FileSection& section = sections.back();
        section.text += raw;
        if (in_hunk) {
            if (line.starts_with("-")) {
                section.removed.emplace_back(line.substr(1));
                --old_left;
            } else if (line.starts_with("+")) {
                section.added.emplace_back(line.substr(1));
                --new_left;
            } else if (line.starts_with("\\")) {
                // "\ No newline at end of file"
            } else {
                --old_left;
                --new_left;
            }
            continue;
        }
        if (line.starts_with("@@") && hunk_counts(line, old_left, new_left)) {
            section.has_hunk = true;
        } else if (line.starts_with("+++ ")) {
            std::string path = strip_path(line.substr(4));
            if (path != "/dev/null") section.path = path;
        } else if (line.starts_with("--- ") && section.path.empty()) {
            std::string path = strip_path(line.substr(4));
            if (path != "/dev/null") section.path = path;
        }
    }
    return sections;
}

std::string rstrip(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
}

std::string without_space(const std::string& s) {
    std::string out;
    for (char c : s)
        if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    return out;
}

std::string_view extension(std::string_view path) {
    std::size_t slash = path.rfind('/');
    std::size_t dot = path.rfind('.');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
        return {};
    return path.substr(dot + 1);
}

// The line comment marker of the file's language by its extension: "#" for Python, "//" for
// C-like languages, "" when not known (nothing is then taken for a comment).
std::string_view comment_marker(std::string_view path) {
    static constexpr std::string_view kCLike[] = {
        "c", "h", "cc", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "cu", "cuh", "java", "js", "jsx",
        "mjs", "ts", "tsx", "go", "rs", "cs", "swift", "kt", "kts", "scala", "m", "mm", "dart"};
    std::string_view ext = extension(path);
    if (ext == "py" || ext == "pyi") return "#";
    for (std::string_view c : kCLike)
        if (ext == c) return "//";
    return {};
}

// A line that is only a comment: its text without leading whitespace starts with the marker.
// (A line inside a multi-line string that happens to start so is taken for one too.)
bool is_comment_only(std::string_view line, std::string_view marker) {
    if (marker.empty()) return false;
    std::size_t start = 0;
    while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    return line.substr(start).starts_with(marker);
}

bool is_test_path(const std::string& path) {
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t slash = path.find('/', start);
        std::string part =
            path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (slash == std::string::npos) {
            return part == "test" || part == "tests" ||
                   (part.starts_with("test_") && part.ends_with(".py")) ||
                   part.ends_with("_test.py");
        }
        if (part == "test" || part == "tests") return true;
        start = slash + 1;
    }
    return false;
}

}  // namespace

std::string normalize_patch(const std::string& diff) {
    std::string preamble;
    std::map<std::string, std::string> keys;  // path → its lines; the map orders the files
    for (FileSection& section : read_sections(diff, preamble)) {
        // Blank and comment-only lines carry no behaviour: left out on both sides.
        const std::string_view marker = comment_marker(section.path);
        auto substantive = [marker](const std::string& s) {
            return !without_space(s).empty() && !is_comment_only(s, marker);
        };
        std::vector<std::string> removed, added;
        for (auto& l : section.removed)
            if (std::string s = rstrip(l); substantive(s)) removed.push_back(std::move(s));
        for (auto& l : section.added)
            if (std::string s = rstrip(l); substantive(s)) added.push_back(std::move(s));
        // A removed line and an added line equal but for whitespace: a whitespace-only change.
        std::vector<bool> added_used(added.size(), false);
        std::vector<std::string> kept_removed;
        for (auto& r : removed) {
            bool cancelled = false;
            for (std::size_t i = 0; i < added.size() && !cancelled; ++i) {
                if (!added_used[i] && without_space(added[i]) == without_space(r)) {
                    added_used[i] = true;
                    cancelled = true;
                }
            }
            if (!cancelled) kept_removed.push_back(r);
        }
        std::string key;
        for (auto& r : kept_removed) key += "-" + r + "\n";
        for (std::size_t i = 0; i < added.size(); ++i)
            if (!added_used[i]) key += "+" + added[i] + "\n";
        if (!key.empty()) keys[section.path] += key;
    }
    std::string out;
    for (const auto& [path, key] : keys) out += "--- " + path + "\n" + key;
    return out;
}

SplitPatch split_test_files(const std::string& diff) {
    SplitPatch split;
    std::string preamble;
    std::vector<FileSection> sections = read_sections(diff, preamble);
    split.fix = preamble;
    for (const FileSection& section : sections)
        (is_test_path(section.path) ? split.tests : split.fix) += section.text;
    return split;
}

}  // namespace braid::tasks::swe
