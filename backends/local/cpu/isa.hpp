#pragma once
// Isa: which instruction-set path a CPU kernel runs. Every kernel with a vector path also has a
// portable scalar path; `best_isa()` picks the vector one when the running CPU supports it
// (runtime dispatch, so one binary runs on any x86-64 and on non-x86 builds).
//
// The vector code is compiled with __attribute__((target("avx2,fma"))) inside otherwise
// baseline-compiled files, and is only called after the runtime check.

namespace braid::backends::local {

enum class Isa {
    scalar,  // portable C++, any CPU
    avx2,    // AVX2 + FMA (x86-64 only)
};

// The fastest path this CPU supports (computed once; immutable afterwards).
Isa best_isa();
// Whether `isa` can run here; kernels assert it.
bool isa_supported(Isa isa);
const char* isa_name(Isa isa);

}  // namespace braid::backends::local
