// libFuzzer entry point for the test-log parsers of SWE grading (test_log.hpp): pytest, unittest
// and the regex parser (with one of a few realistic log_regex patterns: the pattern comes from the
// task file, the log from the tests' output), and find_status.
//
// The first byte picks the parser (and pattern); the rest is the log. Checks: no crash, no
// exception, no sanitizer report; the parsers never fail on these patterns; every test name is
// non-empty and holds no line break; pytest and regex names carry no surrounding whitespace and
// unittest ids no space; CRLF line ends read as LF ones; pytest and regex logs read line by line
// (the whole log's statuses are the per-line ones, later lines winning); find_status finds every
// name, and a name's prefix finds exactly what its contract says (itself, else the one key it
// begins, else nothing).
//
// Build (clang): cmake --build build --target fuzz_test_log; run: scripts/fuzz 60 test_log

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tasks/swe/test_log.hpp"

using braid::tasks::swe::find_status;
using braid::tasks::swe::parse_test_log;
using braid::tasks::swe::TestStatus;
using braid::tasks::swe::TestStatusMap;

namespace {

constexpr std::string_view kParsers[] = {"pytest", "unittest", "regex"};
const std::string kPatterns[] = {
    R"(^(?<status>PASS|FAIL|SKIP|ERROR):?\s+(?<test>\S+))",
    R"((?<test>[\w/.:\[\]-]+)\s+\.\.\.\s+(?<status>\w+)$)",
    R"(^\[(?<status>[a-z]+)\]\s*(?<test>.*)$)",
    R"(test (?<test>\w+)(?:\(\))? \.\.\. (?<status>ok|FAILED|ignored))",
};

constexpr long kMaxLinesByLine = 4;

void check(bool ok) {
    if (!ok) std::abort();
}

TestStatusMap parse(std::string_view parser, std::string_view log, const std::string& pattern) {
    auto statuses = parse_test_log(parser, log, pattern);
    check(statuses.has_value());
    return std::move(*statuses);
}

// What find_status(statuses, name) must return, by a scan of every key.
const TestStatus* expected_status(const TestStatusMap& statuses, const std::string& name) {
    auto exact = statuses.find(name);
    if (exact != statuses.end()) return &exact->second;
    const TestStatus* only = nullptr;
    int matches = 0;
    for (const auto& [key, status] : statuses)
        if (key.starts_with(name)) only = &status, ++matches;
    return matches == 1 ? only : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view parser = kParsers[data[0] % 3];
    const std::string& pattern = kPatterns[(data[0] / 3) % 4];
    const std::string_view log(reinterpret_cast<const char*>(data + 1), size - 1);

    const TestStatusMap statuses = parse(parser, log, pattern);
    for (const auto& [name, status] : statuses) {
        (void)status;
        check(!name.empty() && name.find('\n') == std::string::npos);
        if (parser == "unittest") {
            check(name.find(' ') == std::string::npos);
        } else {
            check(!std::isspace(static_cast<unsigned char>(name.front())) &&
                  !std::isspace(static_cast<unsigned char>(name.back())));
        }
        check(find_status(statuses, name) == &statuses.at(name));
        for (std::size_t cut : {name.size() / 2, name.size() - 1}) {
            const std::string prefix = name.substr(0, cut);
            check(find_status(statuses, prefix) == expected_status(statuses, prefix));
        }
    }

    if (log.find('\r') == std::string_view::npos) {
        std::string crlf;
        for (char c : log) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        check(parse(parser, crlf, pattern) == statuses);
    }

    // (Each line compiles the regex again: only short logs, to keep the run fast.)
    if (parser == "pytest" ||
        (parser == "regex" && std::count(log.begin(), log.end(), '\n') < kMaxLinesByLine)) {
        TestStatusMap by_line;
        std::size_t start = 0;
        while (start <= log.size()) {
            std::size_t end = log.find('\n', start);
            if (end == std::string_view::npos) end = log.size();
            for (auto& [name, status] : parse(parser, log.substr(start, end - start), pattern))
                by_line[name] = status;
            start = end + 1;
        }
        check(by_line == statuses);
    }
    return 0;
}
