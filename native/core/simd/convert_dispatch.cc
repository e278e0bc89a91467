#include "core/simd/convert.h"

namespace tl {

ConvertRowChw3Fn convert_row_chw3_kernel([[maybe_unused]] SimdLevel level) {
  return TL_ARCH_KERNEL(level >= SimdLevel::kAvx2    ? convert_row_chw3_f32_avx2
                        : level >= SimdLevel::kSse41 ? convert_row_chw3_f32_sse41
                                                     : nullptr,
                        level == SimdLevel::kNeon ? convert_row_chw3_f32_neon : nullptr);
}

ConvertRowChw3F16Fn convert_row_chw3_f16_kernel([[maybe_unused]] SimdLevel level) {
  return TL_ARCH_KERNEL(level >= SimdLevel::kAvx2 && cpu_has_f16c() ? convert_row_chw3_f16_avx2 : nullptr,
                        level == SimdLevel::kNeon ? convert_row_chw3_f16_neon : nullptr);
}

}  // namespace tl
