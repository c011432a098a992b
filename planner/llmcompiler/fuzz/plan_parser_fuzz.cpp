// libFuzzer entry point for LLMCompiler's streaming plan parser (plan_parser.hpp): the planner's
// text (model output) fed in pieces, the Python-literal arguments behind it, and the $N
// references of a step's arguments.
//
// The first byte picks the piece size (1..64) and whether earlier rounds ran steps 1 and 2 (a
// replan); the rest is the plan text. Checks: no crash, no exception, no sanitizer report; the
// parser keeps all it was fed; pieces give the same steps, failure and state as one feed; the
// steps have increasing ids past the earlier ones, known tools, ascending dependencies on earlier
// steps only, JSON-array arguments, at most one join() (last, waiting on every step of the plan);
// a failure has a reason and a finished plan without one has steps; a step's line() alone parses
// to the same step; substituting every referenced id leaves none of them referenced.
//
// Build (clang): cmake --build build --target fuzz_plan_parser; run: scripts/fuzz 60 plan_parser

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "planner/llmcompiler/plan_parser.hpp"

using namespace braid::planner::llmcompiler;

namespace {

const std::vector<std::string> kTools = {"search", "math", "lookup"};

void check(bool ok) {
    if (!ok) std::abort();
}

bool same_step(const PlanStep& a, const PlanStep& b) {
    return a.id == b.id && a.tool == b.tool && a.args_text == b.args_text && a.args == b.args &&
           a.deps == b.deps;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t step = 1 + (data[0] & 63);
    const std::set<int> earlier = (data[0] & 64) != 0 ? std::set<int>{1, 2} : std::set<int>{};
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    StreamingPlanParser pieces(kTools, earlier);
    std::vector<PlanStep> emitted;
    for (std::size_t at = 0; at < text.size(); at += step)
        for (PlanStep& s : pieces.feed(text.substr(at, step))) emitted.push_back(std::move(s));
    for (PlanStep& s : pieces.finish()) emitted.push_back(std::move(s));
    check(pieces.text() == text);

    StreamingPlanParser whole(kTools, earlier);
    std::vector<PlanStep> at_once = whole.feed(text);
    for (PlanStep& s : whole.finish()) at_once.push_back(std::move(s));
    check(emitted.size() == at_once.size() && pieces.failure() == whole.failure() &&
          pieces.ended() == whole.ended() && pieces.joined() == whole.joined());
    for (std::size_t i = 0; i < emitted.size(); ++i) check(same_step(emitted[i], at_once[i]));

    const std::vector<PlanStep>& steps = pieces.steps();
    check(steps.size() == emitted.size());
    if (pieces.failed())
        check(!pieces.failure().empty());
    else
        check(!steps.empty());

    std::set<int> known = earlier;
    int last = earlier.empty() ? 0 : *earlier.rbegin();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const PlanStep& s = steps[i];
        check(s.id > last && s.args.is_array());
        check(std::is_sorted(s.deps.begin(), s.deps.end()) &&
              std::adjacent_find(s.deps.begin(), s.deps.end()) == s.deps.end());
        if (s.is_join()) {
            check(i + 1 == steps.size() && pieces.joined());
            for (std::size_t j = 0; j < i; ++j) check(s.deps[j] == steps[j].id);
            check(s.deps.size() == i);
        } else {
            check(std::find(kTools.begin(), kTools.end(), s.tool) != kTools.end());
            for (int dep : s.deps) check(known.count(dep) && dep < s.id);
            check(s.deps == referenced_ids(s.args_text));

            StreamingPlanParser alone(kTools, known);
            std::vector<PlanStep> again = alone.feed(s.line() + "\n");
            check(again.size() == 1 && same_step(again[0], s));

            std::map<int, std::string> values;
            for (int dep : s.deps) values[dep] = "<value " + std::to_string(dep) + ">";
            std::vector<int> left = referenced_ids(substitute_references(s.args_text, values));
            for (int dep : s.deps) check(!std::binary_search(left.begin(), left.end(), dep));
            check(substitute_references(s.args_text, {}) == s.args_text);
        }
        known.insert(s.id);
        last = s.id;
    }
    return 0;
}
