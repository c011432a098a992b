#pragma once
// The braid commands. Each returns the process exit code (exit_codes.hpp); environment failures
// are thrown as FatalError and turned into one line and an exit code by run_cli.

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "orchestrator/run_config.hpp"
#include "tasks/task.hpp"

namespace braid::orchestrator {

struct CommonArgs {
    std::string db_path = "braid.db";
    bool json = false;
    bool verbose = false;
};

struct SolveArgs {
    CommonArgs common;
    RunConfig config;
    // --backend NAME, parsed by validation into config.backend; "" (not given): local, and with no
    // --model the shipped model (shipped_model.hpp).
    std::string backend;
    std::string script_path;  // scripted backend: JSON script file
    std::string prices_path;  // --prices: JSON price table
    std::string predictions_path;  // --predictions: selected patches of swe tasks, harness JSONL
    std::string command_line;
};

struct ServeArgs {
    CommonArgs common;
    RunConfig config;                  // script, latency_ms, model, threads
    std::string backend = "symbolic";  // --backend NAME, parsed by run_serve
    std::string script_path;
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string model_name;  // default: the backend's name
    std::size_t max_connections = 1024;  // further connections get a 503
    std::size_t max_generations = 1024;  // choices in flight at most (ServerOptions)
};

// `braid generate`: one prompt through the local engine, text streamed to stdout.
struct GenerateArgs {
    std::string model_path;
    std::string prompt;
    std::int64_t max_tokens = 128;
    double temperature = 0;
    std::uint64_t seed = 0;
    std::size_t threads = 0;
};

int run_solve(const SolveArgs& args);
int run_generate(const GenerateArgs& args);
int run_serve(const ServeArgs& args);
// `predictions_path`: as solve's --predictions ("" = none), written once the run is finished.
int run_resume(const CommonArgs& common, std::int64_t run_id, const std::string& predictions_path);
// `rule`: the selection rule to replay with; "" = the stored strategy's rule.
int run_replay(const CommonArgs& common, std::int64_t run_id, const std::string& rule);
// `rules`: comma-separated selection rules to compare; "" = the stored rule and every rule the
// run's verifiers allow (verifiers::applicable_rules).
int run_eval(const CommonArgs& common, std::int64_t run_id, const std::string& rules);
int run_runs_list(const CommonArgs& common);
int run_runs_show(const CommonArgs& common, std::int64_t run_id);
int run_doctor(const CommonArgs& common);
// `braid search PIPELINE`: budget search over a pipeline's stage choices (search/).
struct SearchArgs {
    CommonArgs common;
    std::string pipeline_path;
    std::string dev_path;          // --dev TASKS (required for --record and --online)
    std::string budget;            // --budget UNIT=VALUE (required unless --record)
    std::string method = "greedy";
    std::string mode;              // "offline" (default), "online" or "record"
    std::int64_t from_run = 0;     // --from: the record run offline search reads (0: the newest one)
    std::size_t trials = 0;        // --trials: the method's trial limit (0: its default)
    std::uint64_t seed = 0;
    std::size_t draws = 200;       // offline: bootstrap draws per task
    std::size_t exhaustive_limit = 5000;  // offline: regret against the grid when the space is this small
    int parallel_tasks = 4;
    RunConfig agent;               // agent method: the proposer's model, base_url, api_key_env
    std::string agent_backend;     // --agent-backend NAME ("": not given), parsed by the command
    std::string agent_script_path; // agent method with --agent-backend scripted
    std::string command_line;
};

int run_search_command(const SearchArgs& args);
// `braid countdown generate`: problems from a number pool (uniform | classic) as JSONL.
int run_countdown_generate(const std::string& pool, std::uint64_t seed, std::size_t count,
                           const std::string& out_path);
// `braid countdown traces`: training rows (tasks/countdown/training/training_traces.hpp).
int run_countdown_traces(const std::string& style, const std::string& pool, std::uint64_t seed,
                         std::size_t count, const std::string& out_path);

// A JSON file the user named (`what` says which, for messages); throws FatalError naming the file
// when it is unreadable (not_found) or not JSON (invalid_input).
nlohmann::json read_json_file(const std::string& path, const std::string& what);

// The tasks of a JSONL file, each prepared and validated by its kind; throws FatalError naming the
// file and task at fault, or when the file holds no task.
std::vector<tasks::Task> load_task_file(const std::string& path);

// Parses argv and dispatches; never throws.
int run_cli(int argc, char** argv);

}  // namespace braid::orchestrator
