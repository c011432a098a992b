#include "backends/cuda/cuda_probe.hpp"

#include <dlfcn.h>

#include <memory>

namespace braid::backends {

namespace {

// The few driver API entry points we need, declared by hand (CUresult is an int enum; 0 = success).
using CuInit = int (*)(unsigned int);
using CuDeviceGetCount = int (*)(int*);
using CuDeviceGetName = int (*)(char*, int, int);
using CuDriverGetVersion = int (*)(int*);

struct DlCloser {
    void operator()(void* handle) const { dlclose(handle); }
};
using LibraryHandle = std::unique_ptr<void, DlCloser>;

template <class Fn>
Fn symbol(void* lib, const char* name) {
    return reinterpret_cast<Fn>(dlsym(lib, name));
}

}  // namespace

bool built_with_nvcc() {
#ifdef BRAID_HAVE_NVCC
    return true;
#else
    return false;
#endif
}

CudaProbe probe_cuda() {
    CudaProbe probe;
    LibraryHandle lib(dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL));
    if (!lib) {
        probe.note = "no CUDA driver (libcuda.so.1 not found)";
        return probe;
    }
    probe.driver_found = true;
    auto init = symbol<CuInit>(lib.get(), "cuInit");
    auto count = symbol<CuDeviceGetCount>(lib.get(), "cuDeviceGetCount");
    auto name = symbol<CuDeviceGetName>(lib.get(), "cuDeviceGetName");
    auto version = symbol<CuDriverGetVersion>(lib.get(), "cuDriverGetVersion");
    if (!init || !count || !name || !version) {
        probe.note = "CUDA driver library lacks the expected entry points";
        return probe;
    }
    version(&probe.driver_version);
    if (int rc = init(0); rc != 0) {
        probe.note = "cuInit failed with code " + std::to_string(rc) + " (no usable device)";
        return probe;
    }
    count(&probe.device_count);
    if (probe.device_count > 0) {
        char buf[256] = {};
        if (name(buf, sizeof buf, 0) == 0) probe.device_name = buf;
    } else {
        probe.note = "driver present but no CUDA device";
    }
    return probe;
}

}  // namespace braid::backends
