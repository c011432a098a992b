#pragma once
// The braid commands. Each returns the process exit code (exit_codes.hpp); environment failures
// are thrown as FatalError and turned into one line and an exit code by run_cli.

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "orchestrator/run_config.hpp"

namespace braid::orchestrator {

struct CommonArgs {
    std::string db_path = "braid.db";
    bool json = false;
    bool verbose = false;
};

struct SolveArgs {
    CommonArgs common;
    RunConfig config;
    std::string script_path;  // scripted backend: JSON script file
    std::string prices_path;  // --prices: JSON price table
    std::string predictions_path;  // --predictions: selected patches of swe tasks, harness JSONL
    std::string command_line;
};

struct ServeArgs {
    CommonArgs common;
    RunConfig config;  // backend, script, latency_ms
    std::string script_path;
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string model_name;  // default: the backend's name
    std::size_t max_connections = 1024;  // further connections get a 503
    std::size_t max_streams = 1024;      // further concurrent stream requests get a 503
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
int run_countdown_generate(std::uint64_t seed, std::size_t count, const std::string& out_path);

// A JSON file the user named (`what` says which, for messages); throws FatalError naming the file
// when it is unreadable (not_found) or not JSON (invalid_input).
nlohmann::json read_json_file(const std::string& path, const std::string& what);

// Parses argv and dispatches; never throws.
int run_cli(int argc, char** argv);

}  // namespace braid::orchestrator
