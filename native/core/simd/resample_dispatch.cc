#include "core/simd/resample_kernels.h"

namespace tl {

HorizontalRowFn horizontal_row_kernel([[maybe_unused]] SimdLevel level, [[maybe_unused]] int channels) {
  return TL_ARCH_KERNEL(
      kernel_for_channels(level, SimdLevel::kSse41, channels, horizontal_row_sse41_c3, horizontal_row_sse41_c4),
      kernel_for_channels(level, SimdLevel::kNeon, channels, horizontal_row_neon_c3, horizontal_row_neon_c4));
}

// Two rows at once and the 16-bit multiply-add forms exist on x86 only.
HorizontalRows2Fn horizontal_rows2_kernel([[maybe_unused]] SimdLevel level, [[maybe_unused]] int channels) {
  return TL_ARCH_KERNEL(
      kernel_for_channels(level, SimdLevel::kAvx2, channels, horizontal_rows2_avx2_c3, horizontal_rows2_avx2_c4), nullptr);
}

HorizontalRowPairsFn horizontal_row_pairs_kernel([[maybe_unused]] SimdLevel level, [[maybe_unused]] int channels) {
  return TL_ARCH_KERNEL(
      kernel_for_channels(level, SimdLevel::kSse41, channels, horizontal_row_pairs_sse41_c3, horizontal_row_pairs_sse41_c4),
      nullptr);
}

HorizontalRows2PairsFn horizontal_rows2_pairs_kernel([[maybe_unused]] SimdLevel level, [[maybe_unused]] int channels) {
  return TL_ARCH_KERNEL(
      kernel_for_channels(level, SimdLevel::kAvx2, channels, horizontal_rows2_pairs_avx2_c3, horizontal_rows2_pairs_avx2_c4),
      nullptr);
}

VerticalRowFn vertical_row_kernel([[maybe_unused]] SimdLevel level) {
  return TL_ARCH_KERNEL(level >= SimdLevel::kAvx2    ? vertical_row_avx2
                        : level >= SimdLevel::kSse41 ? vertical_row_sse41
                                                     : nullptr,
                        level == SimdLevel::kNeon ? vertical_row_neon : nullptr);
}

}  // namespace tl
