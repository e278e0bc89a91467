#include "core/simd/resample_kernels.h"

namespace tl {

HorizontalRowFn horizontal_row_kernel(SimdLevel level, int channels) {
#if defined(__x86_64__) || defined(__i386__)
  if (level >= SimdLevel::kSse41) {
    if (channels == 3) return horizontal_row_sse41_c3;
    if (channels == 4) return horizontal_row_sse41_c4;
  }
#else
  (void)level;
  (void)channels;
#endif
  return nullptr;
}

HorizontalRows2Fn horizontal_rows2_kernel(SimdLevel level, int channels) {
#if defined(__x86_64__) || defined(__i386__)
  if (level >= SimdLevel::kAvx2) {
    if (channels == 3) return horizontal_rows2_avx2_c3;
    if (channels == 4) return horizontal_rows2_avx2_c4;
  }
#else
  (void)level;
  (void)channels;
#endif
  return nullptr;
}

HorizontalRowPairsFn horizontal_row_pairs_kernel(SimdLevel level, int channels) {
#if defined(__x86_64__) || defined(__i386__)
  if (level >= SimdLevel::kSse41) {
    if (channels == 3) return horizontal_row_pairs_sse41_c3;
    if (channels == 4) return horizontal_row_pairs_sse41_c4;
  }
#else
  (void)level;
  (void)channels;
#endif
  return nullptr;
}

HorizontalRows2PairsFn horizontal_rows2_pairs_kernel(SimdLevel level, int channels) {
#if defined(__x86_64__) || defined(__i386__)
  if (level >= SimdLevel::kAvx2) {
    if (channels == 3) return horizontal_rows2_pairs_avx2_c3;
    if (channels == 4) return horizontal_rows2_pairs_avx2_c4;
  }
#else
  (void)level;
  (void)channels;
#endif
  return nullptr;
}

VerticalRowFn vertical_row_kernel(SimdLevel level) {
#if defined(__x86_64__) || defined(__i386__)
  if (level >= SimdLevel::kAvx2) return vertical_row_avx2;
  if (level >= SimdLevel::kSse41) return vertical_row_sse41;
#else
  (void)level;
#endif
  return nullptr;
}

}  // namespace tl
