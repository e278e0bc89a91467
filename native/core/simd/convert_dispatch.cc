#include "core/simd/convert.h"

namespace tl {

ConvertRowChw3Fn convert_row_chw3_kernel(SimdLevel level) {
#if defined(__x86_64__) || defined(__i386__)
  if (level >= SimdLevel::kAvx2) return convert_row_chw3_f32_avx2;
  if (level >= SimdLevel::kSse41) return convert_row_chw3_f32_sse41;
#else
  (void)level;
#endif
  return nullptr;
}

}  // namespace tl
