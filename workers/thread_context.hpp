#pragma once
// What one reasoning thread needs from its run: where to record, which model to call, which
// budget account to draw on. Borrowed references; the run owns them and outlives its threads.
// All of it is used from the run's orchestration executor only.

#include <cstdint>
#include <string>

#include "backends/backend.hpp"
#include "core/price_table.hpp"
#include "core/budget.hpp"
#include "core/ids.hpp"
#include "core/kinetics.hpp"
#include "core/log.hpp"
#include "store/run_recorder.hpp"

namespace braid::workers {

struct RunServices {
    store::RunRecorder& recorder;
    backends::Backend& backend;
    Ledger& ledger;
    const Logger& log;
    std::uint64_t run_seed = 0;
    std::string model;  // model name sent with every request ("" for stand-in backends)
    PriceTable prices = {};  // USD per million tokens by model; empty = free
    // The model's architecture for the flops/bytes units (Kinetics); incomplete = not costed.
    KineticsModel compute = {};
    double intensity = b200_intensity;  // hardware arithmetic intensity for eFLOPs
};

// A node's seed, derived from the run seed and the node's stable path (DESIGN §3.4).
std::uint64_t node_seed(std::uint64_t run_seed, std::string_view path);

}  // namespace braid::workers
