// SSE4.1 resampling passes. Horizontal: one output pixel at a time, its 3 or 4 channels in the
// 32-bit lanes of one register, one multiply-add per tap (the scalar pass does one per
// channel). Vertical: 4 output bytes per register, the accumulators kept in registers across
// the taps. pmulld multiplies 32-bit lanes exactly, so the sums are the scalar ones.
// Only these functions carry the SSE4.1 target (see unfilter_sse41.cc for why).
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstring>

#include "core/simd/resample_kernels.h"
#include "core/simd/vertical_tail.h"

#define TL_SSE41 __attribute__((target("sse4.1")))

namespace tl {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

// Pixel p's channels in 32-bit lanes; a 4-byte load except where it would pass the row's end.
template <int CH>
TL_SSE41 inline __m128i load_px(const uint8_t* p, bool last) {
  int32_t v = 0;
  if (CH == 4 || !last) {
    std::memcpy(&v, p, 4);
  } else {
    std::memcpy(&v, p, CH);
  }
  return _mm_cvtepu8_epi32(_mm_cvtsi32_si128(v));
}

template <int CH>
TL_SSE41 void horizontal_row(const uint8_t* in, int in_width, uint8_t* out, const int* bounds, const int32_t* k,
                             int ksize, int col0, int cols) {
  const __m128i round = _mm_set1_epi32(1 << (kPrecisionBits - 1));
  for (int xx = 0; xx < cols; ++xx) {
    const size_t o = static_cast<size_t>(col0 + xx);
    const auto [xmin, xmax, kk] = horizontal_window(bounds, k, ksize, o);
    const uint8_t* p = in + static_cast<size_t>(xmin) * CH;
    __m128i acc0 = round;
    __m128i acc1 = _mm_setzero_si128();
    int x = 0;
    // Two taps a step into two accumulators: independent multiply chains.
    for (; x + 2 <= xmax; x += 2) {
      const bool last = xmin + x + 1 == in_width - 1;
      acc0 = _mm_add_epi32(acc0, _mm_mullo_epi32(load_px<CH>(p + x * CH, false), _mm_set1_epi32(kk[x])));
      acc1 = _mm_add_epi32(acc1, _mm_mullo_epi32(load_px<CH>(p + (x + 1) * CH, last), _mm_set1_epi32(kk[x + 1])));
    }
    if (x < xmax) {
      const bool last = xmin + x == in_width - 1;
      acc0 = _mm_add_epi32(acc0, _mm_mullo_epi32(load_px<CH>(p + x * CH, last), _mm_set1_epi32(kk[x])));
    }
    // >> 22, then clip to 0..255 through two saturating packs.
    const __m128i v = _mm_srai_epi32(_mm_add_epi32(acc0, acc1), kPrecisionBits);
    const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(v, v), _mm_setzero_si128());
    const uint32_t px = static_cast<uint32_t>(_mm_cvtsi128_si32(bytes));
    std::memcpy(out + static_cast<size_t>(xx) * CH, &px, CH);
  }
}

}  // namespace

TL_SSE41 void horizontal_row_sse41_c3(const uint8_t* in, int in_width, uint8_t* out, const int* bounds,
                                      const int32_t* k, int ksize, int col0, int cols) {
  horizontal_row<3>(in, in_width, out, bounds, k, ksize, col0, cols);
}

TL_SSE41 void horizontal_row_sse41_c4(const uint8_t* in, int in_width, uint8_t* out, const int* bounds,
                                      const int32_t* k, int ksize, int col0, int cols) {
  horizontal_row<4>(in, in_width, out, bounds, k, ksize, col0, cols);
}

TL_SSE41 void vertical_row_sse41(const uint8_t* temp, size_t stride, int ymin, int ymax, const int32_t* k, uint8_t* out,
                                 size_t n) {
  const __m128i round = _mm_set1_epi32(1 << (kPrecisionBits - 1));
  const uint8_t* base = temp + static_cast<size_t>(ymin) * stride;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i lo = round;
    __m128i hi = round;
    const uint8_t* p = base + i;
    for (int y = 0; y < ymax; ++y, p += stride) {
      const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
      const __m128i w = _mm_set1_epi32(k[y]);
      lo = _mm_add_epi32(lo, _mm_mullo_epi32(_mm_cvtepu8_epi32(v), w));
      hi = _mm_add_epi32(hi, _mm_mullo_epi32(_mm_cvtepu8_epi32(_mm_srli_si128(v, 4)), w));
    }
    const __m128i words = _mm_packs_epi32(_mm_srai_epi32(lo, kPrecisionBits), _mm_srai_epi32(hi, kPrecisionBits));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i), _mm_packus_epi16(words, words));
  }
  vertical_tail(base, stride, ymax, k, out, i, n);
}

}  // namespace tl

#endif
