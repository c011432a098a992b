// `braid countdown generate`: seeded, solvable Countdown problems as JSONL.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "tasks/countdown/generator.hpp"

namespace braid::orchestrator {

int run_countdown_generate(std::uint64_t seed, std::size_t count, const std::string& out_path) {
    if (count == 0) throw FatalError(make_error(ErrorCode::invalid_input, "--count must be at least 1"));
    std::vector<std::string> lines = tasks::countdown::problems_to_jsonl(tasks::countdown::generate(seed, count));
    if (out_path.empty()) {
        for (const std::string& line : lines) std::cout << line << "\n";
        return exit_ok;
    }
    std::ofstream out(out_path);
    if (!out) throw FatalError(make_error(ErrorCode::io, "cannot write " + out_path));
    for (const std::string& line : lines) out << line << "\n";
    if (!out) throw FatalError(make_error(ErrorCode::io, "writing " + out_path + " failed"));
    return exit_ok;
}

}  // namespace braid::orchestrator
