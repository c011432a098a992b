// The first braid program to read: solve one Countdown problem best-of-4 with the symbolic
// stand-in model, every event recorded in a SQLite file, then read the run back from the store.
//
//   build/examples/solve_countdown [DB_PATH]      (default: ./example.db)
#include <cstdio>
#include <string>

#include "orchestrator/run_executor.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/problem.hpp"

using namespace braid;

int main(int argc, char** argv) {
    auto store = store::Store::open(argc > 1 ? argv[1] : "example.db");

    // A run is a row plus its tasks; the config says how to solve them.
    orchestrator::RunConfig config;
    config.strategy = "best-of-n";
    config.strategy_options.samples = 4;
    config.backend = backends::BackendKind::symbolic;  // a stand-in model that answers with
                                                       // symbolic search traces
    tasks::countdown::Problem problem = tasks::countdown::generate(/*seed=*/7, /*count=*/1).front();
    tasks::Task task{"cd-7", "countdown", tasks::countdown::problem_to_json("cd-7", problem)};
    RunId run = orchestrator::create_run(*store, config, "examples/solve_countdown", {task});

    // Threads are coroutines on one io_context; the DAG and every event land in the store.
    orchestrator::RunSummary summary = orchestrator::execute_run(*store, run, config, Logger{}, {});

    for (const orchestrator::TaskResult& t : summary.tasks) {
        const std::string status(store::outcome_name(t.status));  // "solved", "unsolved", ...
        std::printf("%s: %s %s\n", t.id.c_str(), status.c_str(), t.answer.c_str());
    }
    std::printf("%zu nodes, %zu events, %lld tokens\n", store->nodes(run).size(), store->events(run).size(),
                static_cast<long long>(summary.usage.total_tokens()));
    return summary.exit_code();
}
