#include "backends/local/cpu/isa.hpp"

namespace braid::backends::local {

namespace {
bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}
}  // namespace

bool isa_supported(Isa isa) {
    static const bool avx2 = cpu_has_avx2_fma();  // immutable once initialized
    switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return avx2;
    }
    return false;
}

Isa best_isa() { return isa_supported(Isa::avx2) ? Isa::avx2 : Isa::scalar; }

const char* isa_name(Isa isa) {
    switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    }
    return "unknown";
}

}  // namespace braid::backends::local
