// run_repro_matrix (repro_tests.hpp): every distinct test patch at base, then every kept test with
// every distinct fix, each run a blocking job on the pool (one fresh workspace per run).
//
// Equal test patches and equal fixes are run once: a duplicate test gets its twin's verdict (and
// is a column of its own when kept: every agent's test is a vote), with wall_ms 0; a duplicate
// fix gets its twin's row, with fix_wall_ms 0. Wall times are the whole job's (workspace, apply,
// sandboxed run), so summing them counts each run once.

#include "verifiers/repro_tests.hpp"

#include <chrono>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/assert.hpp"
#include "core/async.hpp"
#include "tasks/swe/grading.hpp"

namespace braid::verifiers {

namespace {

namespace swe = tasks::swe;

constexpr std::size_t kMaxReasonChars = 1000;

std::string clip(std::string text) {
    if (text.size() > kMaxReasonChars) {
        text.resize(kMaxReasonChars);
        text += " [...]";
    }
    return text;
}

// One sandboxed run of a test patch, on the base commit plus `fix` ("" = base itself).
struct CellJob {
    std::string fix;
    std::string test;
    std::vector<std::string> files;  // the test files: the run's directives
};

struct CellRun {
    bool ran = false;         // the log parsed at least one test
    bool any_failed = false;  // some test FAILED or ERROR
    std::string reason;       // why nothing ran: a patch that did not apply, an unusable log
    double wall_ms = 0;
    bool passes() const { return ran && !any_failed; }
};

bool is_failure(swe::TestStatus status) {
    return status == swe::TestStatus::failed || status == swe::TestStatus::error;
}

// Blocking. Errors: only infrastructure (no repository or base commit, git or the sandbox could
// not run); a patch that does not apply or a suite with no usable log is a CellRun.
Result<CellRun> run_cell(const swe::SweTask& task, const CellJob& job,
                         const tasks::env::Sandbox& sandbox,
                         std::shared_ptr<swe::WorkspaceRoot> root) {
    const auto started = std::chrono::steady_clock::now();
    auto finish = [&started](CellRun run) {
        run.wall_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();
        return run;
    };
    CellRun run;
    auto workspace =
        swe::Workspace::create(std::move(root), task.env.repo_path, task.base_commit, "repro");
    if (!workspace) return std::move(workspace).error();
    if (!job.fix.empty()) {
        auto applied = workspace->apply_patch(job.fix);
        if (!applied) {
            run.reason = clip("the fix does not apply: " + applied.error().message);
            return finish(std::move(run));
        }
    }
    auto applied = workspace->apply_patch(job.test);
    if (!applied) {
        run.reason =
            clip((job.fix.empty() ? "does not apply at base: " : "does not apply with the fix: ") +
                 applied.error().message);
        return finish(std::move(run));
    }
    auto tests = swe::run_tests(*workspace, task.env, job.files, sandbox);
    if (!tests) {
        if (tests.error().code == ErrorCode::io || tests.error().code == ErrorCode::cancelled)
            return std::move(tests).error().with_context("running a reproduction test");
        run.reason = clip("no test results: " + tests.error().message);
        return finish(std::move(run));
    }
    run.ran = !tests->statuses.empty();
    for (const auto& [name, status] : tests->statuses)
        run.any_failed = run.any_failed || is_failure(status);
    return finish(std::move(run));
}

// The jobs as awaitables on the pool. A plain function (not a coroutine): the lambdas it builds
// are moved into run_blocking's frame, none lives in a co_await expression.
std::vector<asio::awaitable<Result<CellRun>>> start_cells(
    asio::thread_pool& pool, const swe::SweTask& task, const tasks::env::Sandbox& sandbox,
    const std::shared_ptr<swe::WorkspaceRoot>& root, std::vector<CellJob> jobs) {
    std::vector<asio::awaitable<Result<CellRun>>> ops;
    ops.reserve(jobs.size());
    for (CellJob& job : jobs) {
        auto work = [task = &task, sandbox = &sandbox, root, job = std::move(job)]() {
            return run_cell(*task, job, *sandbox, root);
        };
        ops.push_back(async::run_blocking(pool, std::move(work)));
    }
    return ops;
}

// Indices of the first occurrence of each distinct string, and each input's distinct slot.
struct Distinct {
    std::vector<std::size_t> firsts;  // input index of each distinct value
    std::vector<std::size_t> slot;    // input index → position in `firsts`
};

template <class Key>
Distinct distinct(std::size_t n, Key key) {
    Distinct d;
    std::map<std::string, std::size_t> seen;
    d.slot.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto [it, inserted] = seen.emplace(key(i), d.firsts.size());
        if (inserted) d.firsts.push_back(i);
        d.slot[i] = it->second;
    }
    return d;
}

}  // namespace

std::size_t ReproMatrix::votes(std::size_t fix) const {
    BRAID_ASSERT(fix < passes.size(), "ReproMatrix::votes: no such fix");
    std::size_t n = 0;
    for (bool pass : passes[fix]) n += pass;
    return n;
}

std::string ReproMatrix::signature(std::size_t fix) const {
    BRAID_ASSERT(fix < passes.size(), "ReproMatrix::signature: no such fix");
    std::string out;
    for (bool pass : passes[fix]) out += pass ? '1' : '0';
    return out;
}

nlohmann::json ReproMatrix::details(std::size_t fix) const {
    BRAID_ASSERT(fix < passes.size() && fix < fix_wall_ms.size(),
                 "ReproMatrix::details: no such fix");
    return nlohmann::json{{"signature", signature(fix)},
                          {"votes", votes(fix)},
                          {"kept_tests", kept.size()},
                          {"distinguishability", distinguishability},
                          {"wall_ms", fix_wall_ms[fix]}};
}

asio::awaitable<Result<ReproMatrix>> run_repro_matrix(
    asio::thread_pool& pool, const tasks::swe::SweTask& task, std::vector<ReproTest> tests,
    std::vector<std::string> fixes, const tasks::env::Sandbox& sandbox,
    std::shared_ptr<tasks::swe::WorkspaceRoot> root) {
    ReproMatrix matrix;
    matrix.tests.resize(tests.size());
    matrix.passes.assign(fixes.size(), {});
    matrix.fix_wall_ms.assign(fixes.size(), 0.0);

    // 1. Every distinct test patch at base. One that touches no file would run the whole suite:
    //    it is dropped without a run.
    const Distinct test_set =
        distinct(tests.size(), [&tests](std::size_t i) { return tests[i].patch; });
    std::vector<CellJob> base_jobs;
    std::vector<std::size_t> base_job_of(test_set.firsts.size(), static_cast<std::size_t>(-1));
    for (std::size_t u = 0; u < test_set.firsts.size(); ++u) {
        const std::size_t i = test_set.firsts[u];
        matrix.tests[i].files = swe::files_in_diff(tests[i].patch);
        if (matrix.tests[i].files.empty()) {
            matrix.tests[i].reason = "touches no file";
            continue;
        }
        base_job_of[u] = base_jobs.size();
        base_jobs.push_back(CellJob{"", tests[i].patch, matrix.tests[i].files});
    }
    auto base_op = async::when_all(start_cells(pool, task, sandbox, root, std::move(base_jobs)));
    std::vector<Result<CellRun>> base = co_await std::move(base_op);
    for (auto& run : base)
        if (!run) co_return std::move(run).error();

    std::vector<bool> unique_kept(test_set.firsts.size(), false);
    for (std::size_t u = 0; u < test_set.firsts.size(); ++u) {
        if (base_job_of[u] == static_cast<std::size_t>(-1)) continue;
        const CellRun& run = *base[base_job_of[u]];
        ReproTestCheck& check = matrix.tests[test_set.firsts[u]];
        check.wall_ms = run.wall_ms;
        if (!run.ran)
            check.reason = run.reason;
        else if (!run.any_failed)
            check.reason = "passes at base";
        else
            check.kept = true;
        unique_kept[u] = check.kept;
    }
    for (std::size_t i = 0; i < tests.size(); ++i) {
        const std::size_t first = test_set.firsts[test_set.slot[i]];
        if (first != i) {
            matrix.tests[i] = matrix.tests[first];
            matrix.tests[i].wall_ms = 0;
        }
        if (matrix.tests[i].kept) matrix.kept.push_back(i);
    }
    if (matrix.kept.empty() || fixes.empty()) co_return matrix;

    // 2. Every kept distinct test with every distinct fix.
    const Distinct fix_set = distinct(fixes.size(), [&fixes](std::size_t i) { return fixes[i]; });
    std::vector<std::size_t> kept_unique;  // distinct kept tests, in input order
    std::vector<std::size_t> column_of(test_set.firsts.size(), 0);
    for (std::size_t u = 0; u < test_set.firsts.size(); ++u) {
        if (!unique_kept[u]) continue;
        column_of[u] = kept_unique.size();
        kept_unique.push_back(u);
    }
    std::vector<CellJob> cell_jobs;  // fix-major: cell (v, k) at v * kept_unique.size() + k
    for (std::size_t v = 0; v < fix_set.firsts.size(); ++v)
        for (std::size_t u : kept_unique) {
            const std::size_t i = test_set.firsts[u];
            cell_jobs.push_back(
                CellJob{fixes[fix_set.firsts[v]], tests[i].patch, matrix.tests[i].files});
        }
    auto cells_op = async::when_all(start_cells(pool, task, sandbox, root, std::move(cell_jobs)));
    std::vector<Result<CellRun>> cells = co_await std::move(cells_op);
    for (auto& run : cells)
        if (!run) co_return std::move(run).error();

    const std::size_t width = kept_unique.size();
    for (std::size_t f = 0; f < fixes.size(); ++f) {
        const std::size_t v = fix_set.slot[f];
        for (std::size_t i : matrix.kept) {
            const CellRun& run = *cells[v * width + column_of[test_set.slot[i]]];
            matrix.passes[f].push_back(run.passes());
        }
        if (fix_set.firsts[v] == f)
            for (std::size_t k = 0; k < width; ++k)
                matrix.fix_wall_ms[f] += cells[v * width + k]->wall_ms;
    }
    std::set<std::vector<bool>> rows(matrix.passes.begin(), matrix.passes.end());
    matrix.distinguishability = rows.size();
    co_return matrix;
}

}  // namespace braid::verifiers
