#include "planner/search/refine_prompt.hpp"

namespace braid::planner::search {

std::string revision_prompt(std::string_view task_prompt, std::string_view previous_attempt,
                            std::string_view feedback) {
    std::string out(task_prompt);
    out += previous_attempt;
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "Feedback: ";
    out += feedback;
    out += "\nTry again.\n";
    out += task_prompt;
    return out;
}

}  // namespace braid::planner::search
