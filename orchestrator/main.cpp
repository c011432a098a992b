#include "orchestrator/commands.hpp"

int main(int argc, char** argv) { return braid::orchestrator::run_cli(argc, argv); }
