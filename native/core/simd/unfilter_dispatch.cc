#include "core/simd/unfilter.h"

namespace tl {

UnfilterRowFn unfilter_row_kernel([[maybe_unused]] SimdLevel level) {
  const UnfilterRowFn simd = TL_ARCH_KERNEL(level >= SimdLevel::kSse41 ? unfilter_row_sse41 : nullptr,
                                            level == SimdLevel::kNeon ? unfilter_row_neon : nullptr);
  return simd != nullptr ? simd : unfilter_row_scalar;
}

bool unfilter_rows(const uint8_t* raw, uint8_t* out, size_t stride, uint32_t rows, size_t bpp) {
  static const UnfilterRowFn kernel = unfilter_row_kernel(simd_level());
  const UnfilterRowFn fn = bpp >= 1 && bpp <= 4 ? kernel : unfilter_row_scalar;
  const uint8_t* prev = nullptr;
  for (uint32_t y = 0; y < rows; ++y) {
    uint8_t* row = out + static_cast<size_t>(y) * stride;
    if (!fn(raw[0], raw + 1, prev, row, stride, bpp)) return false;
    prev = row;
    raw += stride + 1;
  }
  return true;
}

}  // namespace tl
