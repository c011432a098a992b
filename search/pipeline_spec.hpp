#pragma once
// A multi-stage pipeline spec (JSON, DESIGN.md §2 search/): the models a stage may use,
// with the parameters the cost models need, and the stages with their choices (model, sample
// count, iteration cap, selection rule) and which stage feeds which. `braid search` explores the
// choices; a run of the pipeline executes one choice per stage.
//
// {
//   "name": "countdown-judge",
//   "intensity": 562.5,                       // hardware arithmetic intensity for eFLOPs (default B200)
//   "models": {
//     "small": {"backend": "symbolic", "model": "", "options": {...},
//               "price": {"input": 0.15, "output": 0.6, "cached_input": 0.075},   // USD per M tokens
//               "params": 1.5e9, "layers": 28, "heads": 12, "kv_heads": 2, "head_dim": 128},
//     "judge": {"backend": "scripted", "script": "judge.json", ...}   // script path: relative to the spec
//   },
//   "stages": [
//     {"name": "generate", "kind": "generate", "models": ["small", "large"], "samples": [1, 2, 4, 8],
//      "iterations": [1], "max_tokens": 1024, "tokens": {"in": 300, "out": 600}},
//     {"name": "verify", "kind": "verify", "inputs": ["generate"], "models": ["judge"], "samples": [0, 1, 3]},
//     {"name": "select", "kind": "select", "inputs": ["generate", "verify"],
//      "rules": ["majority", "weighted-majority:judge"]}
//   ]
// }
//
// Stage kinds: generate (n samples of the task with model m, each allowed t iterations: refine
// rounds or agent steps), verify (each distinct candidate of its generate input judged n times by
// model m; n = 0 turns the stage off), select (a selection rule over the candidates and verdicts).
//
// Validation errors (ErrorCode::invalid_input) name the field at fault by its JSON path, e.g.
// "stages[1].models[0]: unknown model 'huge'", "stages: cycle generate -> verify -> generate".

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend_kind.hpp"
#include "core/error.hpp"
#include "core/kinetics.hpp"
#include "core/price_table.hpp"

namespace braid::search {

enum class StageKind { generate, verify, select };
std::string_view to_string(StageKind kind);

struct ModelSpec {
    std::string name;          // the key in "models"
    backends::BackendKind backend = backends::BackendKind::symbolic;  // as `braid solve --backend`
    std::string model;         // the model name sent (openai) or file (local); "" = backend default
    std::string base_url;      // openai
    std::string api_key_env;   // openai: the NAME of the variable holding the key
    std::string script_path;   // scripted: absolute path of its script
    nlohmann::json options = nlohmann::json::object();  // backend extras, passed through
    ModelPrice price;  // USD per million tokens (zero = free)
    KineticsModel architecture;          // for the flops/bytes cost model (zero = not costed)
    double latency_ms = 0;     // planning guess of one call's latency ("" when unknown: 0)
};

struct StageTokens {
    double in = 0;   // expected prompt tokens of one call (planning; stored runs give measured ones)
    double out = 0;  // expected completion tokens of one call
};

struct StageSpec {
    std::string name;
    StageKind kind = StageKind::generate;
    std::vector<std::string> inputs;   // names of the stages that feed it
    std::vector<std::string> models;   // candidate models (generate, verify); names in "models"
    std::vector<int> samples;          // candidate sample counts, ascending, distinct (verify may hold 0)
    std::vector<int> iterations;       // candidate iteration caps, ascending (default {1})
    std::vector<std::string> rules;    // select: candidate selection rules (verifiers::select_by_rule)
    std::string strategy = "best-of-n";  // generate: the planner strategy that samples (best-of-n, refine, swe)
    std::int64_t max_tokens = 1024;    // per call
    StageTokens tokens;
};

struct PipelineSpec {
    std::string name;
    double intensity = b200_intensity;
    std::vector<ModelSpec> models;
    std::vector<StageSpec> stages;  // topologically ordered: every stage after its inputs

    const ModelSpec* model(std::string_view name) const;
    const StageSpec* stage(std::string_view name) const;
    std::size_t stage_index(std::string_view name) const;  // stages.size() when absent
};

// Parses and validates a spec; relative script paths resolve against `base_dir`. Checks: names
// present and unique, known kinds, every stage's models known to "models", inputs known and
// acyclic (the cycle is named), sample counts positive (verify: non-negative) and ascending,
// prices and architecture fields non-negative numbers, select stages with at least one rule and
// no models, generate/verify stages with at least one model, a verify stage fed by exactly one
// generate stage, a select stage fed by one generate stage (and any verify stages of it).
Result<PipelineSpec> parse_pipeline(const nlohmann::json& spec, const std::filesystem::path& base_dir);
// Reads and parses the file; errors name the file.
Result<PipelineSpec> load_pipeline(const std::filesystem::path& path);

// The spec back as JSON (what a run stores in its config so it can be rebuilt from the store).
nlohmann::json to_json(const PipelineSpec& spec);

}  // namespace braid::search
