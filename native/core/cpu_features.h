// Which SIMD paths this CPU runs, decided once at load time, so one x86-64 build runs on every
// x86-64 CPU: the baseline code never uses more than SSE2, and the kernels compiled for
// SSE4.1 or AVX2 (per-function target attributes) are only called when the CPU has them.
// TENSORLOADER_SIMD=off (or 0) forces the scalar kernels, so tests can compare both paths
// on the same machine; TENSORLOADER_SIMD=sse4.1 caps the level at SSE4.1.
// On aarch64, NEON (Advanced SIMD) is part of the base ISA, so its kernels are compiled without
// target attributes and picked unless TENSORLOADER_SIMD=off.
#pragma once

namespace tl {

// The x86 levels are ordered (each includes the ones below); kNeon exists only on aarch64.
enum class SimdLevel { kScalar = 0, kSse41 = 1, kAvx2 = 2, kNeon = 3 };

// The level every dispatcher uses: the CPU's, capped by TENSORLOADER_SIMD. Read once.
SimdLevel simd_level();
// What the CPU supports, ignoring the environment.
SimdLevel cpu_simd_level();
const char* simd_level_name(SimdLevel level);
// x86 F16C (float <-> half conversions), a CPUID bit of its own beside AVX2; false elsewhere.
bool cpu_has_f16c();

// A dispatcher's choice on the architecture being built: the x86 expression, the aarch64 one,
// or nothing (the scalar code) elsewhere. Only the chosen expression is compiled, so each may
// name kernels that exist on its architecture alone.
#if defined(__x86_64__) || defined(__i386__)
#define TL_ARCH_KERNEL(x86, arm) (x86)
#elif defined(__aarch64__)
#define TL_ARCH_KERNEL(x86, arm) (arm)
#else
#define TL_ARCH_KERNEL(x86, arm) nullptr
#endif

// The 3- or 4-channel kernel when `level` reaches `need`, else nullptr (the scalar code).
template <typename Fn>
Fn kernel_for_channels(SimdLevel level, SimdLevel need, int channels, Fn c3, Fn c4) {
  if (level < need) return nullptr;
  return channels == 3 ? c3 : channels == 4 ? c4 : nullptr;
}

}  // namespace tl
