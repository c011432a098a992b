#include "orchestrator/backend_factory.hpp"

#include <filesystem>

#include "backends/local/engine/local_backend.hpp"
#include "backends/openai/curl_multi_asio.hpp"
#include "backends/openai/openai_backend.hpp"
#include "backends/scripted/scripted_backend.hpp"
#include "tasks/countdown/standin/symbolic_backend.hpp"

namespace braid::orchestrator {

using backends::BackendKind;

namespace {

// The openai backend together with the curl multi handle that drives its transfers.
class OwnedOpenAIBackend final : public backends::Backend {
public:
    OwnedOpenAIBackend(asio::any_io_executor executor, backends::openai::OpenAIOptions options)
        : http_(std::move(executor)), backend_(http_, std::move(options)) {}
    std::string_view name() const override { return backend_.name(); }
    asio::awaitable<Result<backends::Completion>> complete(backends::CompletionRequest request,
                                                           backends::ChunkSink on_chunk) override {
        return backend_.complete(std::move(request), std::move(on_chunk));
    }

private:
    backends::openai::CurlMultiAsio http_;
    backends::openai::OpenAIBackend backend_;
};

Result<std::unique_ptr<backends::Backend>> make_openai(const RunConfig& config, asio::any_io_executor executor) {
    if (config.base_url.empty())
        return make_error(ErrorCode::invalid_input, "--backend openai needs --base-url (e.g. http://host:8000/v1)");
    backends::openai::OpenAIOptions options;
    options.base_url = config.base_url;
    options.model = config.model;
    if (!config.api_key_env.empty()) {
        auto key = backends::openai::read_api_key(config.api_key_env);
        if (!key) return std::move(key).error();
        options.api_key = std::move(*key);
    }
    return std::unique_ptr<backends::Backend>(std::make_unique<OwnedOpenAIBackend>(std::move(executor), std::move(options)));
}

Result<std::unique_ptr<backends::Backend>> make_local(const RunConfig& config, asio::any_io_executor executor) {
    if (config.model.empty())
        return make_error(ErrorCode::invalid_input, "--backend local needs --model PATH (a GGUF model file)");
    backends::local::EngineOptions options;
    options.threads = config.threads;
    auto local = backends::local::LocalBackend::open(config.model, options, std::move(executor));
    if (!local) return Error(local.error()).with_context("loading model " + config.model);
    return std::unique_ptr<backends::Backend>(std::move(*local));
}

// The symbolic model's SoS+ search knobs from a pipeline model's "options" (absent keys keep defaults).
Result<void> read_search_options(const nlohmann::json& extras, tasks::countdown::SosOptions& search) {
    if (!extras.is_object()) return {};
    auto read_int = [&](const char* key, int& field) -> Result<void> {
        if (!extras.contains(key)) return {};
        const nlohmann::json& v = extras[key];
        if (!v.is_number_integer() || v.get<int>() < 1)
            return make_error(ErrorCode::invalid_input, std::string("symbolic options: ") + key + " must be an integer >= 1");
        field = v.get<int>();
        return {};
    };
    if (auto ok = read_int("min_beam_size", search.min_beam_size); !ok) return ok;
    if (auto ok = read_int("max_beam_size", search.max_beam_size); !ok) return ok;
    if (search.min_beam_size > search.max_beam_size)
        return make_error(ErrorCode::invalid_input, "symbolic options: min_beam_size must not exceed max_beam_size");
    if (extras.contains("promising_threshold")) {
        const nlohmann::json& v = extras["promising_threshold"];
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
            return make_error(ErrorCode::invalid_input, "symbolic options: promising_threshold must be in [0, 1]");
        search.promising_threshold = v.get<double>();
    }
    return {};
}

Error no_backend_of_its_own() {
    return make_error(ErrorCode::invalid_input,
                      "a pipeline run has no backend of its own: each of its models names one");
}

}  // namespace

Result<void> check_backend(const RunConfig& config) {
    if (!config.backend) return no_backend_of_its_own();
    switch (*config.backend) {
        case BackendKind::symbolic:
        case BackendKind::symbolic_apr: {
            tasks::countdown::SosOptions search;
            return read_search_options(config.backend_options, search);
        }
        case BackendKind::scripted:
            if (config.script.is_null())
                return make_error(ErrorCode::invalid_input,
                                  "--backend scripted needs --script FILE (a JSON script)");
            return {};
        case BackendKind::openai:
            if (config.base_url.empty())
                return make_error(ErrorCode::invalid_input,
                                  "--backend openai needs --base-url (e.g. http://host:8000/v1)");
            if (!config.api_key_env.empty())
                if (auto key = backends::openai::read_api_key(config.api_key_env); !key)
                    return std::move(key).error();
            return {};
        case BackendKind::local: {
            if (config.model.empty())
                return make_error(ErrorCode::invalid_input,
                                  "--backend local needs --model PATH (a GGUF model file)");
            std::error_code ec;  // a GGUF file, or a folder of safetensors with its config.json
            if (!std::filesystem::exists(config.model, ec))
                return Error(
                           make_error(ErrorCode::not_found, "no such model file: " + config.model))
                    .with_context("loading model " + config.model);
            return {};
        }
        case BackendKind::replay:
            return {};
    }
    return {};
}

Result<std::unique_ptr<backends::Backend>> make_backend(const RunConfig& config, asio::any_io_executor executor) {
    if (auto ok = check_backend(config); !ok) return std::move(ok).error();
    backends::StreamPacing pacing;
    pacing.delay_per_chunk = std::chrono::microseconds(static_cast<std::int64_t>(config.latency_ms * 1000));
    switch (*config.backend) {
        case BackendKind::symbolic:
        case BackendKind::symbolic_apr: {
            tasks::countdown::SymbolicOptions options;
            options.pacing = pacing;
            if (*config.backend == BackendKind::symbolic_apr)
                options.style = tasks::countdown::SymbolicStyle::apr;
            if (auto ok = read_search_options(config.backend_options, options.search); !ok)
                return std::move(ok).error();
            return std::unique_ptr<backends::Backend>(
                std::make_unique<tasks::countdown::SymbolicBackend>(options));
        }
        case BackendKind::scripted: {
            auto scripted = backends::ScriptedBackend::from_json(config.script);
            if (!scripted) return std::move(scripted).error();
            return std::unique_ptr<backends::Backend>(std::move(*scripted));
        }
        case BackendKind::openai:
            return make_openai(config, std::move(executor));
        case BackendKind::local:
            return make_local(config, std::move(executor));
        case BackendKind::replay:
            break;
    }
    return make_error(ErrorCode::invalid_input,
                      "the replay backend has no model of its own: it answers from a run's stored completions");
}

Result<RecordedBackend> make_recorded_backend(const RunConfig& config, asio::any_io_executor executor,
                                              store::Store& store, asio::thread_pool& pool) {
    RecordedBackend recorded;
    if (config.backend != BackendKind::replay) {
        auto model = make_backend(config, std::move(executor));
        if (!model) return std::move(model).error();
        recorded.model = std::move(*model);
    }
    recorded.stored = std::make_unique<backends::StoredBackend>(store, pool, recorded.model.get());
    return recorded;
}

}  // namespace braid::orchestrator
