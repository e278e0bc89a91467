#include "core/cpu_features.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace tl {

SimdLevel cpu_simd_level() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return SimdLevel::kAvx2;
  if (__builtin_cpu_supports("sse4.1")) return SimdLevel::kSse41;
#elif defined(__aarch64__)
  return SimdLevel::kNeon;
#endif
  return SimdLevel::kScalar;
}

// Read from CPUID leaf 1 (ECX bit 29) rather than __builtin_cpu_supports, whose feature
// names differ between GCC and clang (clang 14 has no "f16c").
bool cpu_has_f16c() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) != 0 && (c & (1u << 29)) != 0;
#else
  return false;
#endif
}

namespace {

SimdLevel from_env(SimdLevel cpu) {
  const char* v = std::getenv("TENSORLOADER_SIMD");
  if (v == nullptr || *v == '\0') return cpu;
  if (std::strcmp(v, "off") == 0 || std::strcmp(v, "0") == 0 || std::strcmp(v, "scalar") == 0) return SimdLevel::kScalar;
  // A cap, not a request: it never raises the level, and means nothing off x86.
  if (std::strcmp(v, "sse4.1") == 0 && (cpu == SimdLevel::kSse41 || cpu == SimdLevel::kAvx2)) return SimdLevel::kSse41;
  return cpu;
}

}  // namespace

SimdLevel simd_level() {
  static const SimdLevel level = from_env(cpu_simd_level());
  return level;
}

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::kNeon: return "neon";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kSse41: return "sse4.1";
    case SimdLevel::kScalar: break;
  }
  return "scalar";
}

}  // namespace tl
