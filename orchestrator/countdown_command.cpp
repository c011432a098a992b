// `braid countdown generate` (seeded, solvable problems) and `braid countdown traces` (training
// rows), both as JSONL.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/training/training_traces.hpp"

namespace braid::orchestrator {

namespace {

// Writes `lines` to `out_path`, or to stdout when it is empty.
int write_lines(const std::vector<std::string>& lines, const std::string& out_path) {
    if (out_path.empty()) {
        for (const std::string& line : lines) std::cout << line << "\n";
        return exit_ok;
    }
    std::ofstream out(out_path);
    if (!out) throw FatalError(make_error(ErrorCode::invalid_input, "cannot write " + out_path));
    for (const std::string& line : lines) out << line << "\n";
    if (!out) throw FatalError(make_error(ErrorCode::io, "writing " + out_path + " failed"));
    return exit_ok;
}

tasks::countdown::NumberPool parse_pool(const std::string& pool) {
    std::optional<tasks::countdown::NumberPool> parsed = tasks::countdown::parse_number_pool(pool);
    if (!parsed)
        throw FatalError(make_error(ErrorCode::invalid_input,
                                    "--pool '" + pool + "' is not one of uniform, classic"));
    return *parsed;
}

}  // namespace

int run_countdown_generate(const std::string& pool, std::uint64_t seed, std::size_t count,
                           const std::string& out_path) {
    namespace cd = tasks::countdown;
    if (count == 0) throw FatalError(make_error(ErrorCode::invalid_input, "--count must be at least 1"));
    cd::GeneratorOptions options;
    options.pool = parse_pool(pool);
    return write_lines(cd::problems_to_jsonl(cd::generate(seed, count, options)), out_path);
}

int run_countdown_traces(const std::string& style, const std::string& pool, std::uint64_t seed,
                         std::size_t count, const std::string& out_path) {
    namespace cd = tasks::countdown;
    std::optional<cd::TraceStyle> parsed = cd::parse_trace_style(style);
    if (!parsed)
        throw FatalError(make_error(ErrorCode::invalid_input,
                                    "--style '" + style + "' is not one of direct, sosp, apr"));
    Result<std::vector<cd::TrainingRow>> rows = cd::training_traces(*parsed, parse_pool(pool), seed, count);
    if (!rows) throw FatalError(rows.error());
    std::vector<std::string> lines;
    lines.reserve(rows->size());
    for (const cd::TrainingRow& row : *rows) lines.push_back(cd::training_row_jsonl(row));
    return write_lines(lines, out_path);
}

}  // namespace braid::orchestrator
