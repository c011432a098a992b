#pragma once
// Finds out at run time whether this machine has a usable CUDA driver and device, without linking
// CUDA: the driver library is opened with dlopen, so every build runs everywhere.

#include <string>

namespace braid::backends {

struct CudaProbe {
    bool driver_found = false;   // libcuda.so.1 could be loaded
    int device_count = 0;
    std::string device_name;     // first device, when there is one
    int driver_version = 0;      // e.g. 13000 for 13.0
    std::string note;            // why no device is usable, when none is
};

CudaProbe probe_cuda();
// True when this binary was configured with nvcc available (the CUDA path compiles).
bool built_with_nvcc();

}  // namespace braid::backends
