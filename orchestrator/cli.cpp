// The `braid` command line (CLI11): options, dispatch, and the one place where errors become
// messages and exit codes.
#include <cstdio>
#include <iostream>

#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>

#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "tasks/countdown/training/held_out.hpp"

namespace braid::orchestrator {

namespace {

int exit_code_for(const Error& error) {
    switch (error.code) {
        case ErrorCode::invalid_input:
        case ErrorCode::not_found:
        case ErrorCode::parse: return exit_bad_input;
        case ErrorCode::budget_exhausted: return exit_budget_exhausted;
        default: return exit_infra_failure;
    }
}

void add_common(CLI::App* cmd, CommonArgs& common) {
    cmd->add_option("--db", common.db_path, "SQLite database file")->capture_default_str();
    cmd->add_flag("--json", common.json, "Print machine-readable JSON on stdout");
    cmd->add_flag("-v,--verbose", common.verbose, "Log progress details to stderr");
}

std::string join_argv(int argc, char** argv) {
    std::string out;
    for (int i = 0; i < argc; ++i) {
        if (i) out += ' ';
        out += argv[i];
    }
    return out;
}

// The options of the planners beyond the sampling strategies (planner/strategy_options.hpp).
void add_strategy_options(CLI::App* cmd, planner::StrategyOptions& o) {
    const char* group = "Strategy options";
    auto opt = [&](const char* name, auto& field, const char* help) {
        cmd->add_option(name, field, help)->capture_default_str()->group(group);
    };
    opt("--max-depth", o.max_depth, "apr, multiverse, tree: nesting levels at most");
    opt("--max-children", o.max_children, "apr, multiverse: children per spawn / paths per fork at most");
    opt("--max-threads", o.max_threads, "apr, multiverse: threads per task at most");
    opt("--max-spawns", o.max_spawns, "apr: spawns per thread at most (one more fails the thread)");
    opt("--thread-tokens", o.thread_tokens, "Completion tokens per thread over all its calls (0: 4 x --max-tokens)");
    opt("--sub-call-budget", o.sub_call_budget, "apr: root prompt prefix 'Sub Call Budget: N' (0: none)");
    opt("--child-token-budget", o.child_token_budget, "apr: child prompt prefix 'Token Budget: N' (0: none)");
    opt("--beam-width", o.beam_width, "beam: partial solutions kept per step");
    opt("--expansions", o.expansions, "beam, tree: continuations sampled per node and step");
    opt("--max-steps", o.max_steps, "beam, tree: steps per thread");
    opt("--step-tokens", o.step_tokens, "beam, tree: completion tokens per step");
    opt("--step-stop", o.step_stop, "beam, tree: a step ends at this string");
    opt("--scorer", o.scorer, "beam, tree, refine: checker | judge | heuristic");
    opt("--rounds", o.rounds, "refine: revisions after the first answer");
    opt("--max-replans", o.max_replans, "llmcompiler: replans at most");
    opt("--tools", o.tools_path, "llmcompiler: JSON file of tool declarations");
    opt("--workspace", o.workspace, "llmcompiler: folder the file tools may read");
    opt("--agent-steps", o.agent_steps, "swe: model calls per agent thread at most");
    cmd->add_flag("--repro-tests", o.repro_tests, "swe: each agent also writes a test that fails before its fix")
        ->group(group);
    opt("--judge-samples", o.judge_samples, "swe: judge verdicts per patch when the backend gives no logprobs (0: no judge)");
    cmd->add_flag("--selector", o.selector, "swe: a selection thread compares the top 3 patches and may write tests")
        ->group(group);
    opt("--verifier", o.verifier,
        "best-of-n, self-consistency, first-finish, swe: selection rule (majority, best-score:<v>, "
        "weighted-majority:<v>, majority-of-best:<v>, shortest, first-finish, hybrid, selector, weighted:<v>=<w>,...)");
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"braid: parallel reasoning with language models, every event in SQLite"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "braid 0.1.0");

    SolveArgs solve;
    solve.command_line = join_argv(argc, argv);
    RunConfig& cfg = solve.config;
    CLI::App* solve_cmd = app.add_subcommand("solve", "Solve every task of a JSONL file");
    solve_cmd->add_option("tasks", cfg.tasks_path, "Tasks, one JSON object per line")->required();
    solve_cmd->add_option("--strategy", cfg.strategy, "best-of-n | self-consistency | first-finish | apr | multiverse | llmcompiler | beam | tree | refine | swe")->capture_default_str();
    solve_cmd->add_option("--samples", cfg.strategy_options.samples, "Threads per task")->capture_default_str();
    solve_cmd->add_option("--backend", solve.backend,
                          "symbolic | symbolic-apr | scripted | openai | local | replay (default: local)");
    solve_cmd->add_option("--model", cfg.model,
                          "openai: model name sent with each request; local: model file (GGUF; default: braid's "
                          "shipped Countdown model, models/countdown-direct.gguf)");
    solve_cmd->add_option("--threads", cfg.threads, "local backend: kernel threads (0: every core)");
    solve_cmd->add_option("--base-url", cfg.base_url, "openai backend: server address, e.g. http://host:8000/v1");
    solve_cmd->add_option("--api-key-env", cfg.api_key_env,
                          "openai backend: NAME of the environment variable holding the API key (never the key)");
    solve_cmd->add_option("--usd-per-mtok-in", cfg.usd_per_mtok_in, "Price per million prompt tokens (USD)");
    solve_cmd->add_option("--usd-per-mtok-out", cfg.usd_per_mtok_out, "Price per million completion tokens (USD)");
    solve_cmd->add_option("--prices", solve.prices_path,
                          "JSON price table: {\"model\": {\"input\": 0.15, \"output\": 0.6, \"cached_input\": 0.075}}");
    solve_cmd->add_option("--script", solve.script_path, "JSON script for --backend scripted");
    solve_cmd->add_option("--predictions", solve.predictions_path,
                          "swe tasks: write the selected patches here (SWE-bench harness JSONL)");
    solve_cmd->add_option("--latency-ms", cfg.latency_ms, "Stand-in backends: delay per streamed line (ms)");
    solve_cmd->add_option("--seed", cfg.seed, "Run seed; every node's seed derives from it")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    solve_cmd->add_option("--budget", cfg.budget, "Limits, e.g. tokens=50000,samples=64,usd=2");
    solve_cmd->add_option("--max-tokens", cfg.strategy_options.max_tokens, "Per-thread completion cap")->capture_default_str();
    solve_cmd->add_option("--temperature", cfg.strategy_options.temperature, "Sampling temperature")->capture_default_str();
    solve_cmd->add_option("--parallel", cfg.parallel_tasks, "Tasks solved concurrently")->capture_default_str();
    solve_cmd->add_option("--max-nodes", cfg.max_nodes,
                          "Most nodes (threads, tool calls, checks) the run may make; past it the run stops, exit 4")
        ->capture_default_str();
    solve_cmd->add_option("--max-stored-mb", cfg.max_stored_mb,
                          "Most text (MiB) the run may store; past it the run stops, exit 4")
        ->capture_default_str();
    add_strategy_options(solve_cmd, cfg.strategy_options);
    add_common(solve_cmd, solve.common);

    CommonArgs common;
    std::int64_t run_id = 0;
    CLI::App* runs_cmd = app.add_subcommand("runs", "List and inspect stored runs");
    runs_cmd->require_subcommand(1);
    CLI::App* ls_cmd = runs_cmd->add_subcommand("ls", "List runs");
    add_common(ls_cmd, common);
    CLI::App* show_cmd = runs_cmd->add_subcommand("show", "Show one run: its DAG, tasks and costs");
    show_cmd->add_option("run", run_id, "Run id")->required();
    add_common(show_cmd, common);

    CLI::App* replay_cmd = app.add_subcommand("replay", "Re-select a stored run's answers; no model calls");
    replay_cmd->add_option("run", run_id, "Run id")->required();
    std::string replay_rule;
    replay_cmd->add_option("--verifier", replay_rule,
                           "Selection rule, e.g. majority, best-score:judge, hybrid (default: the stored strategy's)");
    add_common(replay_cmd, common);

    SearchArgs search;
    search.command_line = join_argv(argc, argv);
    search.agent.backend.reset();  // the agent method names its proposer's backend explicitly
    CLI::App* search_cmd =
        app.add_subcommand("search", "Multi-stage budget search: which model and how many samples per stage");
    search_cmd->add_option("pipeline", search.pipeline_path, "Pipeline spec (JSON)")->required();
    search_cmd->add_option("--dev", search.dev_path, "Dev tasks (JSONL); required for --record and --online");
    search_cmd->add_option("--budget", search.budget, "Total budget over the dev tasks: UNIT=VALUE (usd, flops, bytes, wall_s, tokens, samples)");
    search_cmd->add_option("--method", search.method, "grid | random | halving | greedy | tpe | agent")->capture_default_str();
    auto* offline_flag = search_cmd->add_flag_callback("--offline", [&search] { search.mode = "offline"; },
                                                       "Evaluate by bootstrap over a record run's samples (default; no model calls)");
    auto* online_flag = search_cmd->add_flag_callback("--online", [&search] { search.mode = "online"; },
                                                      "Evaluate each trial by running the pipeline on the dev tasks");
    auto* record_flag = search_cmd->add_flag_callback("--record", [&search] { search.mode = "record"; },
                                                      "Run every stage x model once at its largest sample count, for offline search");
    offline_flag->excludes(online_flag)->excludes(record_flag);
    online_flag->excludes(record_flag);
    search_cmd->add_option("--from", search.from_run, "Offline: the record run to resample (default: the newest of this pipeline)");
    search_cmd->add_option("--trials", search.trials, "Trial limit (default: grid all, others a tenth of the grid, at least 20)");
    search_cmd->add_option("--seed", search.seed, "Search seed")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    search_cmd->add_option("--draws", search.draws, "Offline: bootstrap draws per task")->capture_default_str();
    search_cmd->add_option("--exhaustive-limit", search.exhaustive_limit,
                           "Offline: compute regret against the grid when it has at most this many points")
        ->capture_default_str();
    search_cmd->add_option("--parallel", search.parallel_tasks, "Tasks run concurrently (--record, --online)")->capture_default_str();
    search_cmd->add_option("--agent-backend", search.agent_backend, "agent method: the proposer's backend (scripted, openai, local, ...)");
    search_cmd->add_option("--agent-model", search.agent.model, "agent method: model name sent (openai) or file (local)");
    search_cmd->add_option("--agent-base-url", search.agent.base_url, "agent method, openai backend: server address");
    search_cmd->add_option("--agent-api-key-env", search.agent.api_key_env, "agent method, openai backend: NAME of the key's variable");
    search_cmd->add_option("--agent-script", search.agent_script_path, "agent method, scripted backend: JSON script");
    add_common(search_cmd, search.common);

    CLI::App* eval_cmd = app.add_subcommand("eval", "Compare selection rules on a stored run; no model calls");
    eval_cmd->add_option("run", run_id, "Run id")->required();
    std::string eval_rules;
    eval_cmd->add_option("--rules", eval_rules,
                         "Comma-separated rules (default: the stored rule and every rule the run's verdicts allow)");
    add_common(eval_cmd, common);

    CLI::App* resume_cmd = app.add_subcommand("resume", "Finish an interrupted run");
    resume_cmd->add_option("run", run_id, "Run id")->required();
    std::string resume_predictions;
    resume_cmd->add_option("--predictions", resume_predictions,
                           "swe tasks: write the selected patches here (SWE-bench harness JSONL)");
    add_common(resume_cmd, common);

    ServeArgs serve;
    CLI::App* serve_cmd = app.add_subcommand("serve", "Serve a backend as an OpenAI-compatible HTTP API");
    serve_cmd->add_option("--backend", serve.backend, "symbolic | symbolic-apr | scripted | local")->capture_default_str();
    serve_cmd->add_option("--model", serve.config.model, "local backend: model file (GGUF)");
    serve_cmd->add_option("--threads", serve.config.threads, "local backend: kernel threads (0: every core)");
    serve_cmd->add_option("--script", serve.script_path, "JSON script for --backend scripted");
    serve_cmd->add_option("--latency-ms", serve.config.latency_ms, "Stand-in backends: delay per streamed line (ms)");
    serve_cmd->add_option("--host", serve.host, "Address to bind")->capture_default_str();
    serve_cmd->add_option("--port", serve.port, "Port (0: any free port)")->capture_default_str();
    serve_cmd->add_option("--model-name", serve.model_name, "Model name served at /v1/models");
    serve_cmd->add_option("--max-connections", serve.max_connections, "Open connections at most; more get a 503")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
    serve_cmd->add_option("--max-generations,--max-streams", serve.max_generations,
                          "Generations (prompts x n) in flight at most, streamed or not; a request past it gets a 503, "
                          "one asking for more on its own a 400 (--max-streams: the old name)")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
    serve_cmd->add_flag("-v,--verbose", serve.common.verbose, "Log requests to stderr");

    GenerateArgs generate;
    CLI::App* generate_cmd = app.add_subcommand("generate", "Generate text for one prompt with the local engine");
    generate_cmd->add_option("--model", generate.model_path, "Model file (GGUF)")->required();
    generate_cmd->add_option("--prompt", generate.prompt, "Prompt text (raw, no chat template)")->required();
    generate_cmd->add_option("--max-tokens", generate.max_tokens, "Tokens to generate at most")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    generate_cmd->add_option("--temperature", generate.temperature, "0: greedy")->capture_default_str();
    generate_cmd->add_option("--seed", generate.seed, "Sampling seed")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    generate_cmd->add_option("--threads", generate.threads, "Kernel threads (0: every core)")->capture_default_str();

    CLI::App* doctor_cmd = app.add_subcommand("doctor", "What this machine offers: CUDA, sandbox, SQLite");
    add_common(doctor_cmd, common);

    std::uint64_t gen_seed = 1;
    std::size_t gen_count = 8;
    std::string gen_out;
    std::string gen_pool = "uniform";
    CLI::App* countdown_cmd = app.add_subcommand("countdown", "Countdown task tools");
    countdown_cmd->require_subcommand(1);
    CLI::App* gen_cmd = countdown_cmd->add_subcommand("generate", "Write solvable Countdown problems as JSONL");
    gen_cmd->add_option("--seed", gen_seed, "Generator seed")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    gen_cmd->add_option("--count", gen_count, "Number of problems")->capture_default_str();
    gen_cmd->add_option("--out", gen_out, "Output file (default: stdout)");
    gen_cmd->add_option("--pool", gen_pool,
                        "uniform: numbers in [1, 99] (the APR paper's) | classic: the TV game's cards "
                        "1..10 twice, 25, 50, 75, 100 (braid's own model)")
        ->capture_default_str();
    std::string traces_style = "direct";
    std::uint64_t traces_seed = tasks::countdown::kFirstTrainingSeed;
    std::size_t traces_count = 8;
    std::string traces_out;
    std::string traces_pool = "uniform";
    CLI::App* traces_cmd = countdown_cmd->add_subcommand(
        "traces", "Write training traces (prompt + completion) as JSONL, held-out problems excluded");
    traces_cmd->add_option("--style", traces_style, "direct | sosp | apr")->capture_default_str();
    traces_cmd->add_option("--seed", traces_seed, "Training seed (evaluation seeds are refused)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    traces_cmd->add_option("--count", traces_count, "Number of problems")->capture_default_str();
    traces_cmd->add_option("--out", traces_out, "Output file (default: stdout)");
    traces_cmd->add_option("--pool", traces_pool, "uniform | classic (as for countdown generate)")
        ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return exit_bad_input;
    }

    try {
        if (*solve_cmd) return run_solve(solve);
        if (*ls_cmd) return run_runs_list(common);
        if (*show_cmd) return run_runs_show(common, run_id);
        if (*replay_cmd) return run_replay(common, run_id, replay_rule);
        if (*eval_cmd) return run_eval(common, run_id, eval_rules);
        if (*search_cmd) return run_search_command(search);
        if (*resume_cmd) return run_resume(common, run_id, resume_predictions);
        if (*doctor_cmd) return run_doctor(common);
        if (*generate_cmd) return run_generate(generate);
        if (*serve_cmd) {
            if (!serve.script_path.empty()) serve.config.script = read_json_file(serve.script_path, "script file");
            return run_serve(serve);
        }
        if (*gen_cmd) return run_countdown_generate(gen_pool, gen_seed, gen_count, gen_out);
        if (*traces_cmd) return run_countdown_traces(traces_style, traces_pool, traces_seed, traces_count,
                                                     traces_out);
    } catch (const FatalError& e) {
        std::fprintf(stderr, "braid: %s\n", e.what());
        return exit_code_for(e.error());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "braid: internal error: %s\n", e.what());
        return exit_infra_failure;
    }
    return exit_bad_input;
}

}  // namespace braid::orchestrator
