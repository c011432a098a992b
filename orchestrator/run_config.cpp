#include "orchestrator/run_config.hpp"
#include "core/json_text.hpp"

namespace braid::orchestrator {

namespace {

// What a run without a backend of its own (a pipeline run) stores as its backend.
constexpr std::string_view kPipelineBackend = "pipeline";

}  // namespace

std::string_view backend_name(const RunConfig& config) {
    return config.backend ? backends::to_string(*config.backend) : kPipelineBackend;
}

nlohmann::json to_json(const RunConfig& c) {
    // samples, max_tokens and temperature also stand at the top level, where runs have always
    // stored them (readers of stored runs and older braid versions look there).
    const planner::StrategyOptions& o = c.strategy_options;
    return nlohmann::json{{"tasks_path", c.tasks_path},
                          {"strategy", c.strategy},
                          {"samples", o.samples},
                          {"max_tokens", o.max_tokens},
                          {"temperature", o.temperature},
                          {"backend", std::string(backend_name(c))},
                          {"model", c.model},
                          {"script", c.script},
                          {"base_url", c.base_url},
                          {"api_key_env", c.api_key_env},
                          {"usd_per_mtok_in", c.usd_per_mtok_in},
                          {"usd_per_mtok_out", c.usd_per_mtok_out},
                          {"prices", c.prices},
                          {"latency_ms", c.latency_ms},
                          {"seed", c.seed},
                          {"budget", c.budget},
                          {"parallel_tasks", c.parallel_tasks},
                          {"max_nodes", c.max_nodes},
                          {"max_stored_mb", c.max_stored_mb},
                          {"threads", c.threads},
                          {"strategy_options", planner::to_json(o)},
                          {"pipeline", c.pipeline},
                          {"pipeline_config", c.pipeline_config},
                          {"backend_options", c.backend_options}};
}

Result<RunConfig> run_config_from_json(const nlohmann::json& j) {
    try {
        RunConfig c;
        c.tasks_path = j.at("tasks_path").get<std::string>();
        c.strategy = j.at("strategy").get<std::string>();
        const std::string backend = j.at("backend").get<std::string>();
        if (backend == kPipelineBackend) {
            c.backend.reset();
        } else {
            auto kind = backends::parse_backend_kind(backend);
            if (!kind) return Error(kind.error()).with_context("stored run config");
            c.backend = *kind;
        }
        c.model = j.at("model").get<std::string>();
        c.script = j.value("script", nlohmann::json());
        c.base_url = j.value("base_url", "");
        c.api_key_env = j.value("api_key_env", "");
        c.usd_per_mtok_in = j.value("usd_per_mtok_in", 0.0);
        c.usd_per_mtok_out = j.value("usd_per_mtok_out", 0.0);
        c.prices = j.value("prices", nlohmann::json());
        c.latency_ms = j.at("latency_ms").get<double>();
        c.seed = j.at("seed").get<std::uint64_t>();
        c.budget = j.at("budget").get<std::string>();
        c.parallel_tasks = j.at("parallel_tasks").get<int>();
        // Runs stored before the limits existed get the defaults.
        c.max_nodes = j.value("max_nodes", kDefaultMaxNodes);
        c.max_stored_mb = j.value("max_stored_mb", kDefaultMaxStoredMb);
        c.threads = j.value("threads", std::size_t{0});
        c.pipeline = j.value("pipeline", nlohmann::json());
        c.pipeline_config = j.value("pipeline_config", nlohmann::json());
        c.backend_options = j.value("backend_options", nlohmann::json::object());
        auto options = planner::strategy_options_from_json(j.value("strategy_options", nlohmann::json()));
        if (!options) return std::move(options).error();
        c.strategy_options = std::move(*options);
        // The top-level copies are the ones every stored run has.
        c.strategy_options.samples = j.at("samples").get<int>();
        c.strategy_options.max_tokens = j.at("max_tokens").get<std::int64_t>();
        c.strategy_options.temperature = j.at("temperature").get<double>();
        return c;
    } catch (const nlohmann::json::exception& e) {
        return make_error(ErrorCode::invalid_input, std::string("stored run config is unreadable: ") + e.what());
    }
}

Result<PriceTable> price_table(const RunConfig& config) {
    PriceTable table;
    if (!config.prices.is_null()) {
        auto loaded = PriceTable::from_json(json_text(config.prices));
        if (!loaded) return std::move(loaded).error();
        table = std::move(*loaded);
    }
    if (config.usd_per_mtok_in > 0 || config.usd_per_mtok_out > 0)
        table.set("*", ModelPrice{config.usd_per_mtok_in, config.usd_per_mtok_out, config.usd_per_mtok_in});
    return table;
}

}  // namespace braid::orchestrator
