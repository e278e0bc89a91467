// NEON PNG unfiltering (aarch64, where NEON is baseline). The same plan as the SSE4.1 kernels:
// Sub, Average and Paeth depend on the pixel to the left, so they run one pixel at a time with
// the pixel's 1-4 bytes in the low lanes of a 64-bit register (the other lanes carry bytes
// nobody stores), which makes Paeth branch-free; Up has no such chain and runs 16 bytes at a
// time. The arithmetic is the scalar kernel's: byte adds mod 256, a truncating halving add for
// Average, and the predictor chosen with the scalar's comparisons and tie order.
#if defined(__aarch64__)

#include <arm_neon.h>

#include "core/simd/unfilter.h"
#include "core/simd/unfilter_row_impl.h"

namespace tl {
namespace {

// A pixel's BPP bytes in the low lanes (unfilter_row_impl.h says what `wide` allows).
template <size_t BPP>
inline uint8x8_t load_px(const uint8_t* p, bool wide) {
  return vreinterpret_u8_u32(vdup_n_u32(unfilter_detail::load_bytes<BPP>(p, wide)));
}

template <size_t BPP>
inline void store_px(uint8_t* p, uint8x8_t px, bool wide) {
  unfilter_detail::store_bytes<BPP>(p, vget_lane_u32(vreinterpret_u32_u8(px), 0), wide);
}

// The filters (Sub, Up, Average, Paeth) a row at a time, for unfilter_row_by_bpp.
struct NeonRows {
  template <size_t BPP>
  static void sub(const uint8_t* in, uint8_t* row, size_t stride) {
    uint8x8_t a = vdup_n_u8(0);
    for (size_t i = 0; i < stride; i += BPP) {
      const bool wide = i + 4 <= stride;
      a = vadd_u8(a, load_px<BPP>(in + i, wide));
      store_px<BPP>(row + i, a, wide);
    }
  }

  template <size_t BPP>
  static void avg(const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride) {
    uint8x8_t a = vdup_n_u8(0);
    for (size_t i = 0; i < stride; i += BPP) {
      const bool wide = i + 4 <= stride;
      // vhadd: (a + b) >> 1 computed without overflow, truncating like the scalar shift.
      a = vadd_u8(load_px<BPP>(in + i, wide), vhadd_u8(a, load_px<BPP>(prev + i, wide)));
      store_px<BPP>(row + i, a, wide);
    }
  }

  template <size_t BPP>
  static void paeth(const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride) {
    uint8x8_t a = vdup_n_u8(0);
    uint8x8_t c = a;
    for (size_t i = 0; i < stride; i += BPP) {
      const bool wide = i + 4 <= stride;
      const uint8x8_t b = load_px<BPP>(prev + i, wide);
      // p = a + b - c; pa = |p - a| = |b - c|, pb = |p - b| = |a - c|, pc = |p - c| = |a + b - 2c|
      // (up to 510, so 16-bit lanes).
      const uint16x8_t pa = vabdl_u8(b, c);
      const uint16x8_t pb = vabdl_u8(a, c);
      const uint16x8_t pc = vabdq_u16(vaddl_u8(a, b), vaddl_u8(c, c));
      // a when pa <= pb and pa <= pc, else b when pb <= pc, else c: the scalar's tie order.
      const uint8x8_t use_a = vmovn_u16(vandq_u16(vcleq_u16(pa, pb), vcleq_u16(pa, pc)));
      const uint8x8_t use_b = vmovn_u16(vcleq_u16(pb, pc));
      const uint8x8_t pred = vbsl_u8(use_a, a, vbsl_u8(use_b, b, c));
      a = vadd_u8(load_px<BPP>(in + i, wide), pred);
      c = b;
      store_px<BPP>(row + i, a, wide);
    }
  }

  static void up(const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride) {
    size_t i = 0;
    for (; i + 16 <= stride; i += 16) vst1q_u8(row + i, vaddq_u8(vld1q_u8(in + i), vld1q_u8(prev + i)));
    for (; i < stride; ++i) row[i] = static_cast<uint8_t>(in[i] + prev[i]);
  }
};

}  // namespace

bool unfilter_row_neon(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride,
                       size_t bpp) {
  return unfilter_detail::unfilter_row_by_bpp<NeonRows>(filter, in, prev, row, stride, bpp);
}

}  // namespace tl

#endif
