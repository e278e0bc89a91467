#include "core/simd/convert.h"

namespace tl {

// No NEON form yet: aarch64 converts with the scalar tables.
ConvertRowChw3Fn convert_row_chw3_kernel([[maybe_unused]] SimdLevel level) {
  return TL_ARCH_KERNEL(level >= SimdLevel::kAvx2    ? convert_row_chw3_f32_avx2
                        : level >= SimdLevel::kSse41 ? convert_row_chw3_f32_sse41
                                                     : nullptr,
                        nullptr);
}

}  // namespace tl
