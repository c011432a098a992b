// Catch2's main, shared by every test program, plus the test census: when the variable
// BRAID_TEST_CENSUS_DIR names a folder (ctest sets it for every entry), each run writes there one
// file listing the test cases it executed, one name a line. scripts/test_census reads the folder
// and fails when an entry executed none, or when the executed cases differ from the TEST_CASEs in
// the sources.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

class CensusListener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseStarting(Catch::TestCaseInfo const& info) override {
        executed_.push_back(info.name);
    }

    // Writes the command line (a '#' line) and then the executed names; a file with no name line
    // records an entry that ran nothing. Listing runs (--list-*) never reach testRunEnded.
    void testRunEnded(Catch::TestRunStats const& stats) override {
        TestEventListenerBase::testRunEnded(stats);
        const char* dir = std::getenv("BRAID_TEST_CENSUS_DIR");
        if (dir == nullptr || *dir == '\0') return;
        std::filesystem::create_directories(dir);
        const auto path = std::filesystem::path(dir) /
                          ("run-" + std::to_string(static_cast<long>(::getpid())) + ".txt");
        std::ofstream out(path, std::ios::trunc);
        out << "#" << command_line() << '\n';
        for (const auto& name : executed_) out << name << '\n';
    }

private:
    // This process's arguments, space-separated (Linux: /proc/self/cmdline holds them NUL-separated).
    static std::string command_line() {
        std::ifstream in("/proc/self/cmdline", std::ios::binary);
        std::string line, arg;
        while (std::getline(in, arg, '\0')) line += ' ' + arg;
        return line;
    }

    std::vector<std::string> executed_;
};

}  // namespace

CATCH_REGISTER_LISTENER(CensusListener)
