// libFuzzer entry point for the Multiverse text format (multiverse_format.hpp): a thread's own
// text (model output) read by open_tags, goal_outline_ids and count_tag.
//
// The input is a thread's text. Checks: no crash, no exception, no sanitizer report; count_tag
// counts every "<Path>" (a tag that cannot overlap itself); open_tags returns known tag names, the
// text closed by their closing tags in reverse leaves nothing open, and a failure stays a failure
// with the same message whatever follows; a goal's outline ids are distinct, of the form
// N(.N)*, and only when the innermost open tags are Parallel then Goal; what the runtime appends
// after such a goal (</Goal>, one <Path> per id, each closed, then <Conclusion>) leaves the
// Parallel open with a Conclusion inside it.
//
// Build (clang): cmake --build build --target fuzz_multiverse_format; run:
// scripts/fuzz 60 multiverse_format

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "planner/multiverse/multiverse_format.hpp"

using namespace braid::planner::multiverse;

namespace {

constexpr std::string_view kTagNames[] = {"Parallel", "Goal", "Outline", "Path", "Conclusion"};

void check(bool ok) {
    if (!ok) std::abort();
}

bool well_formed_id(const std::string& id) {
    if (id.empty() || id.front() == '.' || id.back() == '.') return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (id[i] == '.') {
            if (id[i - 1] == '.') return false;
        } else if (id[i] < '0' || id[i] > '9') {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);

    std::size_t paths = 0;
    for (std::size_t at = 0; at < text.size(); ++at)
        paths += text.compare(at, kPathOpen.size(), kPathOpen) == 0;
    check(count_tag(text, kPathOpen) == paths);

    auto open = open_tags(text);
    if (!open) {
        auto later = open_tags(text + "</Parallel><Goal>");
        check(!later && later.error().message == open.error().message);
        check(!goal_outline_ids(text));
        return 0;
    }
    std::string closed = text;
    for (auto it = open->rbegin(); it != open->rend(); ++it) {
        bool known = false;
        for (std::string_view name : kTagNames) known = known || *it == name;
        check(known);
        closed += "</" + *it + ">";
    }
    auto none = open_tags(closed);
    check(none.has_value() && none->empty());

    auto ids = goal_outline_ids(text);
    const std::size_t n = open->size();
    if (!ids) {
        check(!ids.error().message.empty());
        return 0;
    }
    check(n >= 2 && (*open)[n - 1] == "Goal" && (*open)[n - 2] == "Parallel");
    check(!ids->empty() && std::set<std::string>(ids->begin(), ids->end()).size() == ids->size());
    for (const std::string& id : *ids) check(well_formed_id(id));

    std::string forked = text + std::string(kGoalEnd);
    for (const std::string& id : *ids) forked += path_start(id) + " step\n" + std::string(kPathEnd);
    forked += kConclusionStart;
    auto after = open_tags(forked);
    check(after.has_value() && after->size() == n && after->back() == "Conclusion" &&
          (*after)[n - 2] == "Parallel");
    return 0;
}
