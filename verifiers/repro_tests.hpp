#pragma once
// Model-written reproduction tests as a selection verifier (reference §2.1 "test voting", §8b
// item 4). Each agent may submit test files next to its fix (tasks::swe::split_test_files); those
// files are one test. A test is kept only if it fails at the base commit (it reproduces the issue).
// Every kept test then runs against every distinct fix: the test × fix matrix. A fix's votes are
// the kept tests it passes. Distinguishability is the number of distinct pass/fail columns among
// the fixes: 1 means the tests cannot tell the fixes apart.
//
// A test "fails" when its run parses at least one test and some test is FAILED or ERROR (or the
// patch with the test files cannot be applied together with the fix); it "passes" when it parses
// at least one test and none failed. A run that parses nothing at base drops the test (it is
// broken, not reproducing). Nothing hidden is used.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>
#include <nlohmann/json_fwd.hpp>

#include "core/ids.hpp"
#include "tasks/env/sandbox.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tasks/swe/workspace.hpp"

namespace braid::verifiers {

struct ReproTest {
    NodeId author;       // the agent thread that wrote it
    std::string patch;   // a diff touching test files only
};

struct ReproTestCheck {
    std::vector<std::string> files;  // the test files the patch touches (the run's directives)
    bool kept = false;               // fails at base
    std::string reason;              // why it was dropped ("passes at base", "no test results: ...")
    double wall_ms = 0;
};

struct ReproMatrix {
    std::vector<ReproTestCheck> tests;  // one per input test, in input order
    std::vector<std::size_t> kept;      // indices of kept tests; the matrix's columns
    // passes[f][j]: fix f passes kept test kept[j].
    std::vector<std::vector<bool>> passes;
    std::vector<double> fix_wall_ms;    // sandbox time spent on each fix's row
    std::size_t distinguishability = 0; // distinct rows of `passes` (0 when no test was kept)

    std::size_t votes(std::size_t fix) const;      // kept tests fix `fix` passes
    std::string signature(std::size_t fix) const;  // '1'/'0' per kept test (Candidate::repro_signature)
    nlohmann::json details(std::size_t fix) const; // for the fix's "repro" verdicts
};

// Runs the whole matrix: every test at base, then every kept test with every fix, each in a fresh
// workspace, up to the pool's width at a time. Equal test patches are run once. Infrastructure
// errors (the repository or base commit missing) are returned; a test or fix that merely fails to
// apply is a result, not an error.
asio::awaitable<Result<ReproMatrix>> run_repro_matrix(asio::thread_pool& pool, const tasks::swe::SweTask& task,
                                                      std::vector<ReproTest> tests, std::vector<std::string> fixes,
                                                      const tasks::env::Sandbox& sandbox,
                                                      std::shared_ptr<tasks::swe::WorkspaceRoot> root);

}  // namespace braid::verifiers
