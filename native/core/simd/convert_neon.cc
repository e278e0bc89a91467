// NEON kernel of core/simd/convert.h (aarch64, where NEON is baseline): 16 pixels a step,
// split into their channels by one de-interleaving load (LD3), widened to 32-bit floats, then
// multiply, subtract, divide. The values must be the tables' bit for bit, and aarch64 GCC fuses
// a multiply and a subtract into one FMA (one rounding instead of two) by default in C++, the
// NEON intrinsics included, as they are plain vector operators. So this file (and the tables in
// pixel_writer.cc) is compiled with -ffp-contract=off (CMakeLists.txt).
#if defined(__aarch64__)

#include <arm_neon.h>

#include "core/simd/convert.h"
#include "core/simd/convert_tail.h"

namespace tl {
namespace {

// The u8 -> u32 -> f32 conversion is exact for 0..255, so only the three operations round.
inline float32x4_t apply(uint16x4_t v, float32x4_t scale, float32x4_t mean, float32x4_t std) {
  const float32x4_t f = vcvtq_f32_u32(vmovl_u16(v));
  return vdivq_f32(vsubq_f32(vmulq_f32(f, scale), mean), std);
}

// The 16 values of one channel as four vectors of 4 floats, (v * scale - mean) / std.
inline void apply16(uint8x16_t v, float32x4_t scale, float mean, float std, float32x4_t out[4]) {
  const float32x4_t m = vdupq_n_f32(mean);
  const float32x4_t s = vdupq_n_f32(std);
  const uint16x8_t lo = vmovl_u8(vget_low_u8(v));
  const uint16x8_t hi = vmovl_high_u8(v);
  out[0] = apply(vget_low_u16(lo), scale, m, s);
  out[1] = apply(vget_high_u16(lo), scale, m, s);
  out[2] = apply(vget_low_u16(hi), scale, m, s);
  out[3] = apply(vget_high_u16(hi), scale, m, s);
}

inline void store16(uint8x16_t v, float* out, float32x4_t scale, float mean, float std) {
  float32x4_t f[4];
  apply16(v, scale, mean, std, f);
  for (int q = 0; q < 4; ++q) vst1q_f32(out + 4 * q, f[q]);
}

// FCVTN rounds as FPCR says: to nearest even unless a program changed it, and with flush to
// zero off (Linux's default), so subnormal halves come out as float_to_half gives them.
inline void store16_f16(uint8x16_t v, uint16_t* out, float32x4_t scale, float mean, float std) {
  float32x4_t f[4];
  apply16(v, scale, mean, std, f);
  vst1q_u16(out, vreinterpretq_u16_f16(vcvt_high_f16_f32(vcvt_f16_f32(f[0]), f[1])));
  vst1q_u16(out + 8, vreinterpretq_u16_f16(vcvt_high_f16_f32(vcvt_f16_f32(f[2]), f[3])));
}

// The row loop of both kernels: 16 pixels a step, each channel through `store` into its plane.
template <typename Out, typename Store>
inline size_t rows16(const uint8_t* src, size_t width, Out* const planes[3], float scale, const float* mean,
                     const float* std, Store store) {
  const float32x4_t s = vdupq_n_f32(scale);
  size_t x = 0;
  for (; x + 16 <= width; x += 16) {
    const uint8x16x3_t px = vld3q_u8(src + x * 3);
    for (int k = 0; k < 3; ++k) store(px.val[k], planes[k] + x, s, mean[k], std[k]);
  }
  return x;
}

}  // namespace

void convert_row_chw3_f16_neon(const uint8_t* src, size_t width, uint16_t* r, uint16_t* g, uint16_t* b, float scale,
                               const float* mean, const float* std) {
  uint16_t* const planes[3] = {r, g, b};
  const size_t x = rows16(src, width, planes, scale, mean, std, store16_f16);
  convert_tail_chw3_f16(src, x, width, r, g, b, scale, mean, std);
}

void convert_row_chw3_f32_neon(const uint8_t* src, size_t width, float* r, float* g, float* b, float scale,
                               const float* mean, const float* std) {
  float* const planes[3] = {r, g, b};
  const size_t x = rows16(src, width, planes, scale, mean, std, store16);
  convert_tail_chw3(src, x, width, r, g, b, scale, mean, std);
}

}  // namespace tl

#endif
