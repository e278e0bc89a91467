// NEON resampling passes (aarch64, where NEON is baseline). The sums are the scalar passes'
// (core/resample_impl.h): 8-bit samples times 32-bit fixed-point weights added in 32-bit
// lanes from the same rounding constant, shifted right by 22 and clipped to 0..255, so the
// results are bit-identical to the scalar passes (and so to PIL). Horizontal: one output pixel
// at a time, its 3 or 4 channels in the 32-bit lanes of one register, one multiply-add per tap.
// Vertical: 16 output bytes per step in four registers, the accumulators kept across the taps.
#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstring>

#include "core/simd/resample_kernels.h"
#include "core/simd/vertical_tail.h"

namespace tl {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

// Pixel p's channels in 32-bit lanes; a 4-byte load except where it would pass the row's end.
template <int CH>
inline int32x4_t load_px(const uint8_t* p, bool last) {
  uint32_t v = 0;
  if (CH == 4 || !last) {
    std::memcpy(&v, p, 4);
  } else {
    std::memcpy(&v, p, CH);
  }
  const uint16x8_t words = vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(v)));
  return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(words)));
}

// >> 22, then clip to 0..255: the signed-to-unsigned saturating narrow takes negatives to 0,
// the unsigned one takes values over 255 to 255.
inline uint8x8_t clip8(int32x4_t lo, int32x4_t hi) {
  const uint16x8_t words = vcombine_u16(vqmovun_s32(vshrq_n_s32(lo, kPrecisionBits)),
                                        vqmovun_s32(vshrq_n_s32(hi, kPrecisionBits)));
  return vqmovn_u16(words);
}

template <int CH>
void horizontal_row(const uint8_t* in, int in_width, uint8_t* out, const int* bounds, const int32_t* k, int ksize,
                    int col0, int cols) {
  const int32x4_t round = vdupq_n_s32(1 << (kPrecisionBits - 1));
  for (int xx = 0; xx < cols; ++xx) {
    const size_t o = static_cast<size_t>(col0 + xx);
    const auto [xmin, xmax, kk] = horizontal_window(bounds, k, ksize, o);
    const uint8_t* p = in + static_cast<size_t>(xmin) * CH;
    int32x4_t acc0 = round;
    int32x4_t acc1 = vdupq_n_s32(0);
    int x = 0;
    // Two taps a step into two accumulators: independent multiply chains.
    for (; x + 2 <= xmax; x += 2) {
      const bool last = xmin + x + 1 == in_width - 1;
      acc0 = vmlaq_n_s32(acc0, load_px<CH>(p + x * CH, false), kk[x]);
      acc1 = vmlaq_n_s32(acc1, load_px<CH>(p + (x + 1) * CH, last), kk[x + 1]);
    }
    if (x < xmax) {
      const bool last = xmin + x == in_width - 1;
      acc0 = vmlaq_n_s32(acc0, load_px<CH>(p + x * CH, last), kk[x]);
    }
    const int32x4_t sum = vaddq_s32(acc0, acc1);
    const uint32_t px = vget_lane_u32(vreinterpret_u32_u8(clip8(sum, sum)), 0);
    std::memcpy(out + static_cast<size_t>(xx) * CH, &px, CH);
  }
}

}  // namespace

void horizontal_row_neon_c3(const uint8_t* in, int in_width, uint8_t* out, const int* bounds, const int32_t* k,
                            int ksize, int col0, int cols) {
  horizontal_row<3>(in, in_width, out, bounds, k, ksize, col0, cols);
}

void horizontal_row_neon_c4(const uint8_t* in, int in_width, uint8_t* out, const int* bounds, const int32_t* k,
                            int ksize, int col0, int cols) {
  horizontal_row<4>(in, in_width, out, bounds, k, ksize, col0, cols);
}

void vertical_row_neon(const uint8_t* temp, size_t stride, int ymin, int ymax, const int32_t* k, uint8_t* out,
                       size_t n) {
  const int32x4_t round = vdupq_n_s32(1 << (kPrecisionBits - 1));
  const uint8_t* base = temp + static_cast<size_t>(ymin) * stride;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    int32x4_t a0 = round, a1 = round, a2 = round, a3 = round;
    const uint8_t* p = base + i;
    for (int y = 0; y < ymax; ++y, p += stride) {
      const uint8x16_t v = vld1q_u8(p);
      const uint16x8_t lo = vmovl_u8(vget_low_u8(v));
      const uint16x8_t hi = vmovl_high_u8(v);
      const int32_t w = k[y];
      a0 = vmlaq_n_s32(a0, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(lo))), w);
      a1 = vmlaq_n_s32(a1, vreinterpretq_s32_u32(vmovl_high_u16(lo)), w);
      a2 = vmlaq_n_s32(a2, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(hi))), w);
      a3 = vmlaq_n_s32(a3, vreinterpretq_s32_u32(vmovl_high_u16(hi)), w);
    }
    vst1q_u8(out + i, vcombine_u8(clip8(a0, a1), clip8(a2, a3)));
  }
  for (; i + 8 <= n; i += 8) {
    int32x4_t a0 = round, a1 = round;
    const uint8_t* p = base + i;
    for (int y = 0; y < ymax; ++y, p += stride) {
      const uint16x8_t v = vmovl_u8(vld1_u8(p));
      a0 = vmlaq_n_s32(a0, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(v))), k[y]);
      a1 = vmlaq_n_s32(a1, vreinterpretq_s32_u32(vmovl_high_u16(v)), k[y]);
    }
    vst1_u8(out + i, clip8(a0, a1));
  }
  vertical_tail(base, stride, ymax, k, out, i, n);
}

}  // namespace tl

#endif
