// `braid doctor`: what this machine offers braid — CUDA driver and device, the sandbox tools, the
// store's SQLite, cores. Checks only; changes nothing.
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include <asio/version.hpp>
#include <nlohmann/json.hpp>

#include "backends/cuda/cuda_probe.hpp"
#include "core/json_text.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "store/sqlite_version.hpp"
#include "tasks/env/sandbox.hpp"

namespace braid::orchestrator {

int run_doctor(const CommonArgs& common) {
    backends::CudaProbe cuda = backends::probe_cuda();
    const tasks::env::SandboxCapabilities sandbox = tasks::env::probe_sandbox();
    nlohmann::json j{
        {"cuda", {{"built_with_nvcc", backends::built_with_nvcc()},
                  {"driver_found", cuda.driver_found},
                  {"driver_version", cuda.driver_version},
                  {"devices", cuda.device_count},
                  {"device", cuda.device_name},
                  {"note", cuda.note}}},
        {"sandbox", sandbox.to_json()},
        {"sqlite", store::sqlite_library_version()},
        {"asio", ASIO_VERSION},
        {"cores", std::thread::hardware_concurrency()},
    };
    if (common.json) {
        std::cout << json_text(j) << "\n";
        return exit_ok;
    }
    std::printf("braid doctor\n");
    std::printf("  CUDA         build %s nvcc; ", backends::built_with_nvcc() ? "with" : "without");
    if (cuda.device_count > 0)
        std::printf("device 0: %s (driver %d)\n", cuda.device_name.c_str(), cuda.driver_version);
    else
        std::printf("no device: %s\n", cuda.note.c_str());
    std::string layers;
    for (const std::string& layer : sandbox.layers()) layers += (layers.empty() ? "" : ", ") + layer;
    std::printf("  sandbox      layers: %s\n", layers.c_str());
    std::printf("  store        SQLite %s\n", store::sqlite_library_version().c_str());
    std::printf("  runtime      Asio %d, %u cores\n", ASIO_VERSION, std::thread::hardware_concurrency());
    return exit_ok;
}

}  // namespace braid::orchestrator
