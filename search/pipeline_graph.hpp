#pragma once
// Internal to search/ (the pipeline spec): the spec parser's error channel and the stage-graph checks.
// A spec error ends the parse; it is thrown inside the parser so each check is one line, and
// parse_pipeline converts it to an Error (invalid_input) at its one boundary.

#include <string>
#include <vector>

#include "search/pipeline_spec.hpp"

namespace braid::search::detail {

struct SpecError {
    std::string message;  // "JSON.path: what is wrong"
};

[[noreturn]] inline void fail(const std::string& path, const std::string& what) {
    throw SpecError{path + ": " + what};
}

// Checks the inputs of `stages` (in file order; paths name file positions): every input a known
// stage, no cycle (named as "stages: cycle a -> b -> a"), a verify stage fed by exactly one
// generate stage, a select stage fed by exactly one generate stage plus verify stages of it.
// Returns the stages ordered so that every stage comes after its inputs, file order kept where
// it already is valid. Throws SpecError.
std::vector<StageSpec> order_stages(std::vector<StageSpec> stages);

}  // namespace braid::search::detail
