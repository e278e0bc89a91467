// AVX2 resampling passes, exact as the SSE4.1 and scalar ones. Vertical: 16 output bytes a
// step in two registers of eight 32-bit accumulators, kept in registers across the taps.
// Horizontal: two rows at once, a pixel of each in the two 128-bit halves, so each weight is
// broadcast once for both and one multiply-add serves 2 x 3 (or 4) channels.
// Only these functions carry the AVX2 target (see unfilter_sse41.cc for why).
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstring>

#include "core/simd/resample_kernels.h"

namespace tl {
namespace {

constexpr int kBits = 32 - 8 - 2;

// Pixel j of both rows as 8 32-bit lanes; a 4-byte load except where it would pass the row's end.
template <int CH>
__attribute__((target("avx2"))) inline __m256i load_pair(const uint8_t* p0, const uint8_t* p1, bool last) {
  int32_t a = 0;
  int32_t b = 0;
  if (CH == 4 || !last) {
    std::memcpy(&a, p0, 4);
    std::memcpy(&b, p1, 4);
  } else {
    a = static_cast<int32_t>(uint32_t{p0[0]} | uint32_t{p0[1]} << 8 | uint32_t{p0[2]} << 16);
    b = static_cast<int32_t>(uint32_t{p1[0]} | uint32_t{p1[1]} << 8 | uint32_t{p1[2]} << 16);
  }
  return _mm256_cvtepu8_epi32(_mm_unpacklo_epi32(_mm_cvtsi32_si128(a), _mm_cvtsi32_si128(b)));
}

template <int CH>
__attribute__((target("avx2"))) void rows2(const uint8_t* in0, const uint8_t* in1, int in_width, uint8_t* out0,
                                           uint8_t* out1, const int* bounds, const int32_t* k, int ksize, int col0,
                                           int cols) {
  const __m256i round = _mm256_set1_epi32(1 << (kBits - 1));
  for (int xx = 0; xx < cols; ++xx) {
    const size_t o = static_cast<size_t>(col0 + xx);
    const auto [xmin, xmax, kk] = horizontal_window(bounds, k, ksize, o);
    const uint8_t* p0 = in0 + static_cast<size_t>(xmin) * CH;
    const uint8_t* p1 = in1 + static_cast<size_t>(xmin) * CH;
    __m256i acc0 = round;
    __m256i acc1 = _mm256_setzero_si256();
    int x = 0;
    for (; x + 2 <= xmax; x += 2) {
      const bool last = xmin + x + 1 == in_width - 1;
      acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(load_pair<CH>(p0 + x * CH, p1 + x * CH, false), _mm256_set1_epi32(kk[x])));
      acc1 = _mm256_add_epi32(
          acc1, _mm256_mullo_epi32(load_pair<CH>(p0 + (x + 1) * CH, p1 + (x + 1) * CH, last), _mm256_set1_epi32(kk[x + 1])));
    }
    if (x < xmax) {
      const bool last = xmin + x == in_width - 1;
      acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(load_pair<CH>(p0 + x * CH, p1 + x * CH, last), _mm256_set1_epi32(kk[x])));
    }
    const __m256i v = _mm256_srai_epi32(_mm256_add_epi32(acc0, acc1), kBits);
    // Row 0's lanes in the low half, row 1's in the high half: one pack each.
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    const __m128i bytes = _mm_packus_epi16(w, w);
    const uint32_t a = static_cast<uint32_t>(_mm_cvtsi128_si32(bytes));
    const uint32_t b = static_cast<uint32_t>(_mm_extract_epi32(bytes, 1));
    std::memcpy(out0 + static_cast<size_t>(xx) * CH, &a, CH);
    std::memcpy(out1 + static_cast<size_t>(xx) * CH, &b, CH);
  }
}

}  // namespace

__attribute__((target("avx2"))) void horizontal_rows2_avx2_c3(const uint8_t* in0, const uint8_t* in1, int in_width,
                                                              uint8_t* out0, uint8_t* out1, const int* bounds,
                                                              const int32_t* k, int ksize, int col0, int cols) {
  rows2<3>(in0, in1, in_width, out0, out1, bounds, k, ksize, col0, cols);
}

__attribute__((target("avx2"))) void horizontal_rows2_avx2_c4(const uint8_t* in0, const uint8_t* in1, int in_width,
                                                              uint8_t* out0, uint8_t* out1, const int* bounds,
                                                              const int32_t* k, int ksize, int col0, int cols) {
  rows2<4>(in0, in1, in_width, out0, out1, bounds, k, ksize, col0, cols);
}

__attribute__((target("avx2"))) void vertical_row_avx2(const uint8_t* temp, size_t stride, int ymin, int ymax,
                                                       const int32_t* k, uint8_t* out, size_t n) {
  constexpr int kPrecisionBits = 32 - 8 - 2;
  const __m256i round = _mm256_set1_epi32(1 << (kPrecisionBits - 1));
  const uint8_t* base = temp + static_cast<size_t>(ymin) * stride;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i lo = round;
    __m256i hi = round;
    const uint8_t* p = base + i;
    for (int y = 0; y < ymax; ++y, p += stride) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m256i w = _mm256_set1_epi32(k[y]);
      lo = _mm256_add_epi32(lo, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(v), w));
      hi = _mm256_add_epi32(hi, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8)), w));
    }
    // packs works within 128-bit lanes, giving the words of bytes [0-3, 8-11 | 4-7, 12-15]:
    // put the 64-bit quarters back in order, then pack the two halves to 16 bytes.
    const __m256i words = _mm256_permute4x64_epi64(
        _mm256_packs_epi32(_mm256_srai_epi32(lo, kPrecisionBits), _mm256_srai_epi32(hi, kPrecisionBits)), 0xd8);
    const __m128i bytes = _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), bytes);
  }
  if (i < n) vertical_row_sse41(temp + i, stride, ymin, ymax, k, out + i, n - i);
}

}  // namespace tl

#endif
