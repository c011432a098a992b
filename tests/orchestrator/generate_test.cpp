// `braid generate` on a tiny real GGUF: streamed text, deterministic under greedy, clear errors.
#include <catch2/catch.hpp>

#include <fstream>

#include "tests/backends_local/tiny_model_files.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;

TEST_CASE("braid generate prints a deterministic greedy continuation of a tiny model",
          "[orchestrator][generate][local]") {
    TempDir dir;
    const std::string model = (braid::test::tiny_model_dir() / "llama.gguf").string();
    std::vector<std::string> args{"generate",     "--model", model,       "--prompt", "the cat sat",
                                  "--max-tokens", "6",       "--threads", "1"};
    auto first = braid::test::run_braid(args, dir);
    auto second = braid::test::run_braid(args, dir);
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(first.out == second.out);
    REQUIRE(first.err.find("completion tokens") != std::string::npos);
    REQUIRE(first.err.find("prompt tokens") != std::string::npos);

    auto sampled = braid::test::run_braid(
        {"generate", "--model", model, "--prompt", "the cat sat", "--max-tokens", "6",
         "--temperature", "0.8", "--seed", "3", "--threads", "1"},
        dir);
    auto sampled_again = braid::test::run_braid(
        {"generate", "--model", model, "--prompt", "the cat sat", "--max-tokens", "6",
         "--temperature", "0.8", "--seed", "3", "--threads", "1"},
        dir);
    REQUIRE(sampled.exit_code == 0);
    REQUIRE(sampled.out == sampled_again.out);
}

TEST_CASE("braid generate fails clearly on a missing or corrupt model file",
          "[orchestrator][generate][local]") {
    TempDir dir;
    auto missing =
        braid::test::run_braid({"generate", "--model", dir / "nope.gguf", "--prompt", "hi"}, dir);
    REQUIRE(missing.exit_code == 2);
    REQUIRE(missing.err.find("nope.gguf") != std::string::npos);

    std::ofstream(dir / "corrupt.gguf") << "GGUF this is not a model";
    auto corrupt = braid::test::run_braid(
        {"generate", "--model", dir / "corrupt.gguf", "--prompt", "hi"}, dir);
    REQUIRE(corrupt.exit_code != 0);
    REQUIRE(corrupt.err.find("corrupt.gguf") != std::string::npos);
}
