#include <catch2/catch.hpp>

#include <string>

#include "search/pipeline_spec.hpp"
#include "tests/support/temp_dir.hpp"

using namespace braid;
using namespace braid::search;
using nlohmann::json;

namespace {

// A valid three-stage spec, written select-first so the parser must reorder it.
json valid_spec() {
    return json::parse(R"({
      "name": "countdown-judge",
      "intensity": 300,
      "models": {
        "small": {"backend": "symbolic", "price": {"input": 0.15, "output": 0.6, "cached_input": 0.075},
                  "params": 1.5e9, "layers": 28, "heads": 12, "kv_heads": 2, "head_dim": 128, "latency_ms": 40},
        "large": {"backend": "openai", "model": "gpt-x", "base_url": "http://localhost:1",
                  "api_key_env": "KEY", "price": {"input": 2, "output": 8}, "options": {"temperature": 0.7}},
        "judge": {"backend": "scripted", "script": "judge.json"}
      },
      "stages": [
        {"name": "select", "kind": "select", "inputs": ["generate", "verify"],
         "rules": ["majority", "weighted-majority:judge"]},
        {"name": "generate", "kind": "generate", "models": ["small", "large"], "samples": [1, 2, 4, 8],
         "strategy": "refine", "iterations": [1, 2, 3], "max_tokens": 512, "tokens": {"in": 300, "out": 600}},
        {"name": "verify", "kind": "verify", "inputs": ["generate"], "models": ["judge"], "samples": [0, 1, 3]}
      ]
    })");
}

struct Spec {
    test::TempDir dir;
    Spec() { test::write_file_bytes(dir / "judge.json", R"({"replies": ["yes"]})"); }
    Result<PipelineSpec> parse(const json& j) const { return parse_pipeline(j, dir.path()); }
};

// Parses `j` and requires an invalid_input error whose message contains `expected`.
void require_error(const Spec& s, const json& j, const std::string& expected) {
    auto r = s.parse(j);
    INFO(j.dump());
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().code == ErrorCode::invalid_input);
    INFO(r.error().message);
    REQUIRE(r.error().message.find(expected) != std::string::npos);
}

}  // namespace

TEST_CASE("A valid pipeline spec parses with every field and its stages in topological order", "[search][pipeline]") {
    Spec s;
    auto r = s.parse(valid_spec());
    INFO((r ? "" : r.error().message));
    REQUIRE(r.has_value());
    const PipelineSpec& p = *r;
    REQUIRE(p.name == "countdown-judge");
    REQUIRE(p.intensity == 300);
    REQUIRE(p.models.size() == 3);

    const ModelSpec* small = p.model("small");
    REQUIRE(small != nullptr);
    REQUIRE(small->backend == backends::BackendKind::symbolic);
    REQUIRE(small->price.input_usd_per_mtok == 0.15);
    REQUIRE(small->price.cached_input_usd_per_mtok == 0.075);
    REQUIRE(small->architecture.params == 1.5e9);
    REQUIRE(small->architecture.kv_heads == 2);
    REQUIRE(small->architecture.complete());
    REQUIRE(small->latency_ms == 40);
    const ModelSpec* large = p.model("large");
    REQUIRE(large->model == "gpt-x");
    REQUIRE(large->api_key_env == "KEY");
    REQUIRE(large->price.cached_input_usd_per_mtok == 2);  // defaults to the input price
    REQUIRE(large->options.at("temperature") == 0.7);
    REQUIRE_FALSE(large->architecture.complete());
    REQUIRE(p.model("judge")->script_path == (s.dir.path() / "judge.json").lexically_normal().string());
    REQUIRE(p.model("huge") == nullptr);

    // Select came first in the file; it moves after both its inputs, the rest keep file order.
    REQUIRE(p.stages.size() == 3);
    REQUIRE(p.stages[0].name == "generate");
    REQUIRE(p.stages[1].name == "verify");
    REQUIRE(p.stages[2].name == "select");
    REQUIRE(p.stage_index("select") == 2);
    REQUIRE(p.stage_index("nope") == 3);
    REQUIRE(p.stage("nope") == nullptr);

    const StageSpec& gen = *p.stage("generate");
    REQUIRE(gen.kind == StageKind::generate);
    REQUIRE(gen.models == std::vector<std::string>{"small", "large"});
    REQUIRE(gen.samples == std::vector<int>{1, 2, 4, 8});
    REQUIRE(gen.iterations == std::vector<int>{1, 2, 3});
    REQUIRE(gen.strategy == "refine");
    REQUIRE(gen.max_tokens == 512);
    REQUIRE(gen.tokens.in == 300);
    REQUIRE(gen.tokens.out == 600);
    const StageSpec& ver = *p.stage("verify");
    REQUIRE(ver.samples == std::vector<int>{0, 1, 3});
    REQUIRE(ver.inputs == std::vector<std::string>{"generate"});
    REQUIRE(ver.max_tokens == 1024);
    REQUIRE(p.stage("select")->rules == std::vector<std::string>{"majority", "weighted-majority:judge"});
}

TEST_CASE("A pipeline spec's defaults: B200 intensity, best-of-n, one sample, one iteration", "[search][pipeline]") {
    Spec s;
    json j = json::parse(R"({"models": {"m": {"backend": "symbolic"}},
                             "stages": [{"name": "g", "kind": "generate", "models": ["m"]}]})");
    auto r = s.parse(j);
    REQUIRE(r.has_value());
    REQUIRE(r->intensity == b200_intensity);
    REQUIRE(r->stages[0].strategy == "best-of-n");
    REQUIRE(r->stages[0].samples == std::vector<int>{1});
    REQUIRE(r->stages[0].iterations == std::vector<int>{1});
    REQUIRE(r->stages[0].max_tokens == 1024);
}

TEST_CASE("to_json gives back a spec that parses to the same pipeline", "[search][pipeline]") {
    Spec s;
    auto first = s.parse(valid_spec());
    REQUIRE(first.has_value());
    json again = to_json(*first);
    auto second = parse_pipeline(again, "/nonexistent");  // the script path is absolute now
    INFO((second ? "" : second.error().message));
    REQUIRE(second.has_value());
    REQUIRE(to_json(*second) == again);
    REQUIRE(second->stages[2].name == "select");
    REQUIRE(second->model("judge")->script_path == first->model("judge")->script_path);
    REQUIRE(second->stage("generate")->iterations == std::vector<int>{1, 2, 3});
}

TEST_CASE("Malformed pipeline specs are refused with the field's JSON path", "[search][pipeline]") {
    Spec s;
    json j = valid_spec();

    SECTION("a stage names an unknown model") {
        j["stages"][1]["models"][1] = "huge";
        require_error(s, j, "stages[1].models[1]: unknown model 'huge'");
    }
    SECTION("the stages form a cycle") {
        j["stages"][1]["inputs"] = json::array({"verify"});
        require_error(s, j, "stages: cycle generate -> verify -> generate");
    }
    SECTION("a model or stage name holds a path separator") {
        j["models"]["org/small"] = j["models"]["small"];
        require_error(s, j, "models.org/small: a model name must not contain '/' or '@'");
    }
    SECTION("a stage name holds '@'") {
        j["stages"][0]["name"] = "sel@ect";
        require_error(s, j, "stages[0].name: a stage name must not contain '/' or '@'");
    }
    SECTION("a price is negative") {
        j["models"]["small"]["price"]["input"] = -1;
        require_error(s, j, "models.small.price.input: must be a non-negative number");
    }
    SECTION("an architecture field is not a number") {
        j["models"]["small"]["layers"] = "28";
        require_error(s, j, "models.small.layers: must be a non-negative number");
    }
    SECTION("a sample count is negative") {
        j["stages"][2]["samples"] = json::array({-1, 1});
        require_error(s, j, "stages[2].samples[0]: must be an integer >= 0");
    }
    SECTION("a generate stage asks for zero samples") {
        j["stages"][1]["samples"] = json::array({0, 1});
        require_error(s, j, "stages[1].samples[0]: must be an integer >= 1");
    }
    SECTION("sample counts are not ascending") {
        j["stages"][1]["samples"] = json::array({1, 4, 2});
        require_error(s, j, "stages[1].samples[2]: 2 after 4: values must be ascending and distinct");
    }
    SECTION("a model has no backend") {
        j["models"]["large"].erase("backend");
        require_error(s, j, "models.large.backend: required");
    }
    SECTION("a model names an unknown backend") {
        j["models"]["large"]["backend"] = "vllm";
        require_error(s, j,
                      "models.large.backend: unknown backend 'vllm' (known: symbolic, "
                      "symbolic-apr, scripted, "
                      "openai, local, replay)");
    }
    SECTION("a stage has an unknown kind") {
        j["stages"][0]["kind"] = "rerank";
        require_error(s, j, "stages[0].kind: unknown kind 'rerank' (supported: generate, verify, select)");
    }
    SECTION("a stage has a misspelled key") {
        j["stages"][1]["sampels"] = json::array({1});
        require_error(s, j, "stages[1].sampels: unknown stage key");
    }
    SECTION("a verify stage is not fed by a generate stage") {
        j["stages"].push_back(json::parse(R"({"name": "s2", "kind": "select", "inputs": ["generate"], "rules": ["majority"]})"));
        j["stages"][2]["inputs"] = json::array({"s2"});
        require_error(s, j, "stages[2].inputs[0]: 's2' is a select stage; a verify stage judges a generate stage");
    }
    SECTION("a verify stage has no input") {
        j["stages"][2].erase("inputs");
        require_error(s, j, "stages[2].inputs: a verify stage needs exactly one input");
    }
    SECTION("best-of-n asks for more than one iteration") {
        j["stages"][1]["strategy"] = "best-of-n";
        j["stages"][1]["iterations"] = json::array({1, 2});
        require_error(s, j, "stages[1].iterations: the best-of-n strategy has no iteration knob");
    }
    SECTION("a scripted model's script file is missing") {
        j["models"]["judge"]["script"] = "missing.json";
        require_error(s, j, "models.judge.script: script file '");
        require_error(s, j, "missing.json' not found");
    }
    SECTION("a non-scripted model names a script") {
        j["models"]["small"]["script"] = "judge.json";
        require_error(s, j, "models.small.script: only the scripted backend takes a script");
    }
    SECTION("two stages share a name") {
        j["stages"][2]["name"] = "generate";
        require_error(s, j, "stages[2].name: duplicate stage name 'generate'");
    }
    SECTION("an input names an unknown stage") {
        j["stages"][0]["inputs"][1] = "judge";
        require_error(s, j, "stages[0].inputs[1]: unknown stage 'judge'");
    }
    SECTION("a select stage has no rule") {
        j["stages"][0].erase("rules");
        require_error(s, j, "stages[0].rules: required");
    }
    SECTION("a select stage names models") {
        j["stages"][0]["models"] = json::array({"small"});
        require_error(s, j, "stages[0].models: a select stage takes no 'models'");
    }
    SECTION("a select stage reads a verify stage of another generate stage") {
        j["stages"].push_back(json::parse(R"({"name": "g2", "kind": "generate", "models": ["small"]})"));
        j["stages"][2]["inputs"] = json::array({"g2"});
        require_error(s, j, "stages[0].inputs[1]: verify stage 'verify' judges 'g2', not the selected stage 'generate'");
    }
    SECTION("an unknown strategy") {
        j["stages"][1]["strategy"] = "mcts";
        require_error(s, j, "stages[1].strategy: unknown strategy 'mcts' (supported: best-of-n, refine, swe)");
    }
    SECTION("max_tokens is zero") {
        j["stages"][1]["max_tokens"] = 0;
        require_error(s, j, "stages[1].max_tokens: must be a positive integer");
    }
    SECTION("expected tokens are negative") {
        j["stages"][1]["tokens"]["out"] = -5;
        require_error(s, j, "stages[1].tokens.out: must be a non-negative number");
    }
    SECTION("intensity is zero") {
        j["intensity"] = 0;
        require_error(s, j, "intensity: must be a positive number");
    }
    SECTION("a stage depends on itself") {
        j["stages"][1]["inputs"] = json::array({"generate"});
        require_error(s, j, "stages: cycle generate -> generate");
    }
}

TEST_CASE("load_pipeline names the file in its errors and resolves scripts beside it", "[search][pipeline]") {
    Spec s;
    auto missing = load_pipeline(s.dir / "absent.json");
    REQUIRE_FALSE(missing.has_value());
    REQUIRE(missing.error().code == ErrorCode::not_found);
    REQUIRE(missing.error().message.find("absent.json") != std::string::npos);

    test::write_file_bytes(s.dir / "bad.json", "{\"stages\": [");
    auto bad = load_pipeline(s.dir / "bad.json");
    REQUIRE_FALSE(bad.has_value());
    REQUIRE(bad.error().code == ErrorCode::invalid_input);
    REQUIRE(bad.error().message.find("bad.json") != std::string::npos);

    json j = valid_spec();
    j["stages"][1]["samples"] = json::array({2, 2});
    test::write_file_bytes(s.dir / "dup.json", j.dump());
    auto dup = load_pipeline(s.dir / "dup.json");
    REQUIRE_FALSE(dup.has_value());
    REQUIRE(dup.error().message.find("dup.json") != std::string::npos);
    REQUIRE(dup.error().message.find("stages[1].samples[1]") != std::string::npos);

    test::write_file_bytes(s.dir / "good.json", valid_spec().dump());
    auto good = load_pipeline(s.dir / "good.json");
    REQUIRE(good.has_value());
    REQUIRE(good->model("judge")->script_path == (s.dir.path() / "judge.json").string());
}
