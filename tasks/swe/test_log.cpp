#include "tasks/swe/test_log.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>
#include <vector>

namespace braid::tasks::swe {

namespace {

// libstdc++'s std::regex matches by recursion, a few frames per character: a 50 KB line overflows
// an 8 MB stack (a 30 KB one under ASan). No status line is near this long.
constexpr std::size_t kMaxRegexLineBytes = 4096;

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        pos = end + 1;
    }
    return lines;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Colour codes (pytest --color=yes, CI loggers) would hide the status words.
std::string strip_ansi(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\x1b' && i + 1 < line.size() && line[i + 1] == '[') {
            i += 2;
            while (i < line.size() && !std::isalpha(static_cast<unsigned char>(line[i]))) ++i;
            continue;
        }
        out.push_back(line[i]);
    }
    return out;
}

std::optional<TestStatus> pytest_word(std::string_view word) {
    if (word == "PASSED" || word == "XPASS") return TestStatus::passed;
    if (word == "FAILED") return TestStatus::failed;
    if (word == "ERROR") return TestStatus::error;
    if (word == "SKIPPED") return TestStatus::skipped;
    if (word == "XFAIL") return TestStatus::xfail;
    return std::nullopt;
}

// `-rA` summary: "PASSED <id>", "FAILED <id> - msg"; verbose: "<id> PASSED [ 50%]".
TestStatusMap parse_pytest(std::string_view log) {
    TestStatusMap statuses;
    for (std::string_view raw : split_lines(log)) {
        std::string clean = strip_ansi(raw);
        std::string_view line = trim(clean);
        std::size_t space = line.find(' ');
        if (space == std::string_view::npos) continue;
        if (auto status = pytest_word(line.substr(0, space))) {
            std::string_view rest = trim(line.substr(space + 1));
            if (*status == TestStatus::skipped && rest.starts_with("["))
                continue;  // "[1] file:3: why": no id
            std::size_t dash = rest.find(" - ");
            if (dash != std::string_view::npos) rest = trim(rest.substr(0, dash));
            if (!rest.empty()) statuses[std::string(rest)] = *status;
            continue;
        }
        // Verbose form: "<id> STATUS [ 50%]" or "<id> SKIPPED (why) [ 50%]"; the id holds "::"
        // and may hold spaces inside its [params], so the status is the first status word after
        // a prefix with "::" and balanced brackets.
        if (line.find("::") == std::string_view::npos) continue;
        for (std::size_t at = line.find(' '); at != std::string_view::npos;
             at = line.find(' ', at + 1)) {
            std::string_view id = trim(line.substr(0, at));  // "<id>  PASSED": no trailing space
            if (id.find("::") == std::string_view::npos ||
                std::count(id.begin(), id.end(), '[') != std::count(id.begin(), id.end(), ']'))
                continue;
            std::string_view word = line.substr(at + 1);
            if (auto status = pytest_word(word.substr(0, word.find(' ')))) {
                statuses[std::string(id)] = *status;
                break;
            }
        }
    }
    return statuses;
}

std::optional<TestStatus> unittest_outcome(std::string_view text) {
    text = trim(text);
    if (text == "ok") return TestStatus::passed;
    if (text == "FAIL") return TestStatus::failed;
    if (text == "ERROR") return TestStatus::error;
    if (text.starts_with("skipped")) return TestStatus::skipped;
    if (text == "expected failure") return TestStatus::xfail;
    if (text == "unexpected success") return TestStatus::failed;  // unittest counts it as a failure
    return std::nullopt;
}

// "test_x (pkg.mod.Class.test_x)" (3.11+) or "test_x (pkg.mod.Class)": the dotted id, or "".
std::string unittest_id(std::string_view line) {
    std::size_t open = line.find(" (");
    if (open == std::string_view::npos || open == 0) return {};
    std::string_view name = line.substr(0, open);
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return {};
    std::size_t close = line.find(')', open);
    if (close == std::string_view::npos) return {};
    std::string_view where = line.substr(open + 2, close - open - 2);
    if (where.empty() || where.find(' ') != std::string_view::npos) return {};
    std::string suffix = "." + std::string(name);
    if (where.size() > suffix.size() && where.ends_with(suffix)) return std::string(where);
    return std::string(where) + suffix;
}

// `python -m unittest -v`: "test_x (m.C.test_x) ... ok"; the outcome may come on a later line
// when the test printed something, and "FAIL: test_x (m.C.test_x)" headers confirm failures.
TestStatusMap parse_unittest(std::string_view log) {
    TestStatusMap statuses;
    std::string pending;
    for (std::string_view raw : split_lines(log)) {
        std::string clean = strip_ansi(raw);
        std::string_view line = clean;
        for (std::string_view prefix : {"FAIL: ", "ERROR: "}) {
            if (!line.starts_with(prefix)) continue;
            std::string id = unittest_id(line.substr(prefix.size()));
            if (!id.empty())
                statuses[id] = prefix == "FAIL: " ? TestStatus::failed : TestStatus::error;
        }
        std::size_t dots = line.find(" ... ");
        std::string id = unittest_id(line);
        if (!id.empty()) {
            pending = id;
            if (dots == std::string_view::npos) continue;
            std::string_view tail = line.substr(dots + 5);
            auto status = unittest_outcome(tail);
            // A test that printed without a newline: "... noiseok".
            if (!status && tail.ends_with("ok")) status = TestStatus::passed;
            if (!status && tail.ends_with("FAIL")) status = TestStatus::failed;
            if (!status && tail.ends_with("ERROR")) status = TestStatus::error;
            if (status) {
                statuses[id] = *status;
                pending.clear();
            }
            continue;
        }
        if (pending.empty()) continue;
        std::string_view tail = dots == std::string_view::npos ? line : line.substr(dots + 5);
        if (auto status = unittest_outcome(tail)) {
            statuses[pending] = *status;
            pending.clear();
        }
    }
    return statuses;
}

std::optional<TestStatus> regex_word(std::string word) {
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "pass" || word == "passed" || word == "ok") return TestStatus::passed;
    if (word == "fail" || word == "failed" || word == "failure") return TestStatus::failed;
    if (word == "error") return TestStatus::error;
    if (word == "skip" || word == "skipped") return TestStatus::skipped;
    if (word == "xfail") return TestStatus::xfail;
    return std::nullopt;
}

struct NamedRegex {
    std::regex regex;
    std::size_t test_group = 0;
    std::size_t status_group = 0;
};

// std::regex (ECMAScript) has no named groups: "(?<name>" becomes "(" and its index is noted.
Result<NamedRegex> compile_named(const std::string& pattern) {
    std::string plain;
    std::size_t group = 0;
    NamedRegex out;
    bool in_class = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            plain += c;
            plain += pattern[++i];
            continue;
        }
        if (in_class) {
            in_class = c != ']';
        } else if (c == '[') {
            in_class = true;
        } else if (c == '(') {
            bool special = i + 1 < pattern.size() && pattern[i + 1] == '?';
            if (special && i + 2 < pattern.size() && pattern[i + 2] == '<' &&
                (i + 3 >= pattern.size() || (pattern[i + 3] != '=' && pattern[i + 3] != '!'))) {
                std::size_t close = pattern.find('>', i + 3);
                if (close == std::string::npos)
                    return make_error(ErrorCode::invalid_input,
                                      "log_regex: unterminated group name");
                std::string name = pattern.substr(i + 3, close - i - 3);
                ++group;
                if (name == "test") out.test_group = group;
                if (name == "status") out.status_group = group;
                plain += '(';
                i = close;
                continue;
            }
            if (!special) ++group;
        }
        plain += c;
    }
    if (out.test_group == 0 || out.status_group == 0)
        return make_error(
            ErrorCode::invalid_input,
            "log_regex '" + pattern + "' lacks the named groups (?<test>...) and (?<status>...)");
    try {
        out.regex = std::regex(plain, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return make_error(ErrorCode::invalid_input,
                          "log_regex '" + pattern + "' does not compile: " + std::string(e.what()));
    }
    return out;
}

TestStatusMap parse_regex(std::string_view log, const NamedRegex& named) {
    TestStatusMap statuses;
    for (std::string_view raw : split_lines(log)) {
        if (raw.size() > kMaxRegexLineBytes) continue;
        std::string line = strip_ansi(raw);
        std::smatch match;
        if (!std::regex_search(line, match, named.regex)) continue;
        std::string test = std::string(trim(match[named.test_group].str()));
        auto status = regex_word(std::string(trim(match[named.status_group].str())));
        if (!test.empty() && status) statuses[test] = *status;
    }
    return statuses;
}

}  // namespace

std::string_view to_string(TestStatus status) {
    switch (status) {
        case TestStatus::passed:
            return "PASSED";
        case TestStatus::failed:
            return "FAILED";
        case TestStatus::skipped:
            return "SKIPPED";
        case TestStatus::error:
            return "ERROR";
        case TestStatus::xfail:
            return "XFAIL";
    }
    return "UNKNOWN";
}

Result<TestStatusMap> parse_test_log(std::string_view parser, std::string_view log,
                                     const std::string& regex) {
    if (parser == "pytest") return parse_pytest(log);
    if (parser == "unittest") return parse_unittest(log);
    if (parser == "regex") {
        auto named = compile_named(regex);
        if (!named) return std::move(named).error();
        return parse_regex(log, *named);
    }
    return make_error(ErrorCode::invalid_input, "unknown log parser '" + std::string(parser) +
                                                    "' (pytest, unittest or regex)");
}

const TestStatus* find_status(const TestStatusMap& statuses, const std::string& name) {
    auto it = statuses.lower_bound(name);
    if (it == statuses.end()) return nullptr;
    if (it->first == name) return &it->second;
    // Keys sharing the prefix `name` sort right after it: unique iff the next one does not.
    if (!it->first.starts_with(name)) return nullptr;
    auto next = std::next(it);
    if (next != statuses.end() && next->first.starts_with(name)) return nullptr;
    return &it->second;
}

}  // namespace braid::tasks::swe
