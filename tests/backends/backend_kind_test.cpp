#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "backends/backend_kind.hpp"

using namespace braid;
using namespace braid::backends;

TEST_CASE("every backend kind round-trips through its --backend name", "[backends]") {
    std::set<std::string> names;
    for (std::size_t i = 0; i < kBackendKinds.size(); ++i) {
        const BackendKind kind = kBackendKinds[i];
        INFO(std::string(to_string(kind)));
        CHECK(static_cast<std::size_t>(kind) == i);
        names.insert(std::string(to_string(kind)));
        auto parsed = parse_backend_kind(to_string(kind));
        REQUIRE(parsed.has_value());
        CHECK(*parsed == kind);
    }
    CHECK(names == std::set<std::string>{"symbolic", "symbolic-apr", "scripted", "openai", "local",
                                         "replay"});
    CHECK(to_string(static_cast<BackendKind>(kBackendKinds.size())).empty());  // none left out
}

TEST_CASE("an unknown backend name is rejected naming the known ones", "[backends]") {
    for (const char* name : {"vllm", "symbolic_apr", "Symbolic", ""}) {
        auto parsed = parse_backend_kind(name);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == ErrorCode::invalid_input);
        CHECK(parsed.error().message ==
              "unknown backend '" + std::string(name) +
                  "' (known: symbolic, symbolic-apr, scripted, openai, local, replay)");
    }
}
