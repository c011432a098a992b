#pragma once
// The tiny models of tiny_models.py, written once per test run into a temporary folder.

#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.hpp"

namespace braid::test {

// The folder tiny_models.py wrote (NAME.gguf, NAME/{model.safetensors,config.json},
// manifest.json). Generated on first use; fails the calling test if the script fails.
inline const std::filesystem::path& tiny_model_dir() {
    static const TempDir dir;  // removed at exit
    static const bool written = [] {
        std::string command = std::string("/usr/bin/python3 ") + BRAID_SOURCE_DIR +
                              "/tests/backends_local/tiny_models.py " + dir.path().string();
        return std::system(command.c_str()) == 0;
    }();
    REQUIRE(written);
    return dir.path();
}

}  // namespace braid::test
