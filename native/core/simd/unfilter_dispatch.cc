#include "core/simd/unfilter.h"

namespace tl {

UnfilterRowFn unfilter_row_kernel(SimdLevel level) {
#if defined(__x86_64__) || defined(__i386__)
  if (level >= SimdLevel::kSse41) return unfilter_row_sse41;
#elif defined(__aarch64__)
  if (level == SimdLevel::kNeon) return unfilter_row_neon;
#else
  (void)level;
#endif
  return unfilter_row_scalar;
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
