// libFuzzer entry point for the unified-diff readers of SWE patches (model output): the voting
// key normalize_patch, split_test_files (swe_kind.hpp) and files_in_diff (swe_task.hpp).
//
// The input is a whole patch. Checks: no crash, no exception, no sanitizer report; the two halves
// of split_test_files hold every byte of the diff (their sizes add up, one is the whole diff when
// the other is empty) and a non-empty test half starts at a file header; a non-empty key starts
// with a "--- " header, ends with a newline, and every line of it is a header or a -/+ line
// without trailing whitespace; the key ignores a trailing blank line; files_in_diff names no file
// twice. Corpus seed_05 is a regression case: a hunk count of 20 digits overflowed a `long`.
//
// Build (clang): cmake --build build --target fuzz_swe_patch; run: scripts/fuzz 60 swe_patch

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/swe/swe_kind.hpp"
#include "tasks/swe/swe_task.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void check_key(const std::string& key) {
    if (key.empty()) return;
    check(key.starts_with("--- ") && key.back() == '\n');
    std::size_t start = 0;
    while (start < key.size()) {
        std::size_t end = key.find('\n', start);
        std::string_view line(key.data() + start, end - start);
        check(line.starts_with("-") || line.starts_with("+"));
        if (!line.starts_with("--- "))
            check(line.size() > 1 && line.back() != ' ' && line.back() != '\t');
        start = end + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string diff(reinterpret_cast<const char*>(data), size);

    braid::tasks::swe::SplitPatch split = braid::tasks::swe::split_test_files(diff);
    check(split.fix.size() + split.tests.size() == diff.size());
    if (split.tests.empty()) check(split.fix == diff);
    if (split.fix.empty()) check(split.tests == diff);
    if (!split.tests.empty())
        check(split.tests.starts_with("diff --git ") || split.tests.starts_with("--- "));

    const std::string key = braid::tasks::swe::normalize_patch(diff);
    check_key(key);
    if (diff.empty() || diff.back() == '\n')
        check(braid::tasks::swe::normalize_patch(diff + "\n") == key);

    std::vector<std::string> files = braid::tasks::swe::files_in_diff(diff);
    check(std::set<std::string>(files.begin(), files.end()).size() == files.size());
    return 0;
}
