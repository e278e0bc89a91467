// SSE4.1 PNG unfiltering. Sub, Average and Paeth depend on the pixel to the left, so they run
// one pixel at a time with the pixel's 1-4 bytes in 16-bit lanes (as libpng's SSE2 filters
// do), which makes Paeth branch-free: the scalar predictor's branches are random on noisy
// images and mispredict about every other byte. Up has no such chain and runs 16 bytes at a time.
// Compiled at the baseline ISA; only these functions carry the SSE4.1 target, so nothing
// built for SSE4.1 can be shared with (and run by) code on a CPU without it.
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "core/simd/unfilter.h"
#include "core/simd/unfilter_row_impl.h"

#define TL_SSE41 __attribute__((target("sse4.1")))

namespace tl {
namespace {

// A pixel's BPP bytes in the low bytes of a register (unfilter_row_impl.h says what `wide` allows).
template <size_t BPP>
TL_SSE41 inline __m128i load_px(const uint8_t* p, bool wide) {
  return _mm_cvtsi32_si128(static_cast<int>(unfilter_detail::load_bytes<BPP>(p, wide)));
}

template <size_t BPP>
TL_SSE41 inline void store_px(uint8_t* p, __m128i px, bool wide) {
  unfilter_detail::store_bytes<BPP>(p, static_cast<uint32_t>(_mm_cvtsi128_si32(px)), wide);
}

// The filters (Sub, Up, Average, Paeth) a row at a time, for unfilter_row_by_bpp.
struct Sse41Rows {
  template <size_t BPP>
  TL_SSE41 static void sub(const uint8_t* in, uint8_t* row, size_t stride) {
    __m128i a = _mm_setzero_si128();
    for (size_t i = 0; i < stride; i += BPP) {
      const bool wide = i + 4 <= stride;
      a = _mm_add_epi8(a, load_px<BPP>(in + i, wide));
      store_px<BPP>(row + i, a, wide);
    }
  }

  template <size_t BPP>
  TL_SSE41 static void avg(const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride) {
    const __m128i one = _mm_set1_epi8(1);
    __m128i a = _mm_setzero_si128();
    for (size_t i = 0; i < stride; i += BPP) {
      const bool wide = i + 4 <= stride;
      const __m128i b = load_px<BPP>(prev + i, wide);
      // (a + b) >> 1 without overflow: avg_epu8 rounds up, so take back the odd bit.
      const __m128i mean = _mm_sub_epi8(_mm_avg_epu8(a, b), _mm_and_si128(_mm_xor_si128(a, b), one));
      a = _mm_add_epi8(load_px<BPP>(in + i, wide), mean);
      store_px<BPP>(row + i, a, wide);
    }
  }

  template <size_t BPP>
  TL_SSE41 static void paeth(const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride) {
    const __m128i zero = _mm_setzero_si128();
    __m128i a = zero;  // 16-bit lanes
    __m128i c = zero;
    for (size_t i = 0; i < stride; i += BPP) {
      const bool wide = i + 4 <= stride;
      const __m128i b = _mm_unpacklo_epi8(load_px<BPP>(prev + i, wide), zero);
      const __m128i x = _mm_unpacklo_epi8(load_px<BPP>(in + i, wide), zero);
      // p = a + b - c; pa = |p - a| = |b - c|, pb = |p - b| = |a - c|, pc = |p - c|.
      const __m128i pa0 = _mm_sub_epi16(b, c);
      const __m128i pb0 = _mm_sub_epi16(a, c);
      const __m128i pc = _mm_abs_epi16(_mm_add_epi16(pa0, pb0));
      const __m128i pa = _mm_abs_epi16(pa0);
      const __m128i pb = _mm_abs_epi16(pb0);
      const __m128i smallest = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
      // a when pa is the smallest, else b when pb is, else c: the PNG tie order.
      const __m128i b_or_c = _mm_blendv_epi8(c, b, _mm_cmpeq_epi16(pb, smallest));
      const __m128i pred = _mm_blendv_epi8(b_or_c, a, _mm_cmpeq_epi16(pa, smallest));
      a = _mm_and_si128(_mm_add_epi16(x, pred), _mm_set1_epi16(0xff));
      c = b;
      store_px<BPP>(row + i, _mm_packus_epi16(a, a), wide);
    }
  }

  TL_SSE41 static void up(const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride) {
    size_t i = 0;
    for (; i + 16 <= stride; i += 16) {
      const __m128i v = _mm_add_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i)),
                                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(prev + i)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(row + i), v);
    }
    for (; i < stride; ++i) row[i] = static_cast<uint8_t>(in[i] + prev[i]);
  }
};

}  // namespace

TL_SSE41 bool unfilter_row_sse41(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride,
                                 size_t bpp) {
  return unfilter_detail::unfilter_row_by_bpp<Sse41Rows>(filter, in, prev, row, stride, bpp);
}

}  // namespace tl

#endif
