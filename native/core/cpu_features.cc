#include "core/cpu_features.h"

#include <cstdlib>
#include <cstring>

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
