// The horizontal resampling pass with 16-bit multiply-adds (pmaddwd), as Pillow-SIMD does it,
// but exact: Pillow-SIMD rounds its weights to 16 bits and so differs from Pillow, while here
// each 22-bit weight is split in two 16-bit halves (Coefficients::pairs), k = hi * 2^15 + lo,
// and the pass sums pixel * hi and pixel * lo separately: sum = (sum_hi << 15) + sum_lo, the
// scalar sum to the bit (all in wrapping 32-bit arithmetic, whose result is the same).
// One multiply-add takes two taps of all channels; the 32-bit multiplies of the SSE4.1/AVX2
// kernels take one tap, at twice the cost each.
// Only these functions carry the SSE4.1/AVX2 targets (see unfilter_sse41.cc for why).
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "core/simd/resample_kernels.h"

namespace tl {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

// Pixels q and q + 1 of a row of `width` pixels: 8 bytes, zeros past the row's end (the
// weights there are zero as well), so no read leaves the row.
template <int CH>
__attribute__((target("sse4.1"))) inline __m128i load_two(const uint8_t* row, int q, int width) {
  const size_t off = static_cast<size_t>(q) * CH;
  const size_t end = static_cast<size_t>(width) * CH;
  if (off + 8 <= end) return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + off));
  uint8_t tmp[8] = {};
  std::memcpy(tmp, row + off, std::min<size_t>(8, end - off));
  return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tmp));
}

// Bytes of two pixels to 16-bit words [c0 of both, c1 of both, ...]: one word pair per channel.
template <int CH>
__attribute__((target("sse4.1"))) inline __m128i pair_mask() {
  if (CH == 3) return _mm_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
  return _mm_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1);
}

template <int CH>
__attribute__((target("sse4.1"))) void row_sse41(const uint8_t* in, int in_width, uint8_t* out, const int* bounds,
                                                  const int32_t* pairs, int npairs, int col0, int cols) {
  const __m128i mask = pair_mask<CH>();
  const __m128i round = _mm_set1_epi32(1 << (kPrecisionBits - 1));
  for (int xx = 0; xx < cols; ++xx) {
    const size_t o = static_cast<size_t>(col0 + xx);
    const int xmin = bounds[o * 2];
    const int used = (bounds[o * 2 + 1] + 1) / 2;  // pairs holding the window's taps
    const int32_t* pp = pairs + o * static_cast<size_t>(npairs) * 2;
    __m128i hi = _mm_setzero_si128();
    __m128i lo = _mm_setzero_si128();
    for (int j = 0; j < used; ++j) {
      const __m128i v = _mm_shuffle_epi8(load_two<CH>(in, xmin + 2 * j, in_width), mask);
      hi = _mm_add_epi32(hi, _mm_madd_epi16(v, _mm_set1_epi32(pp[2 * j])));
      lo = _mm_add_epi32(lo, _mm_madd_epi16(v, _mm_set1_epi32(pp[2 * j + 1])));
    }
    const __m128i sum = _mm_add_epi32(_mm_add_epi32(_mm_slli_epi32(hi, 15), lo), round);
    const __m128i v = _mm_srai_epi32(sum, kPrecisionBits);
    const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(v, v), _mm_setzero_si128());
    const uint32_t px = static_cast<uint32_t>(_mm_cvtsi128_si32(bytes));
    std::memcpy(out + static_cast<size_t>(xx) * CH, &px, CH);
  }
}

// Two rows at once, one in each 128-bit half, so each weight pair is broadcast once for both.
// (Four taps per 16-byte load, two shuffles picking the pairs out of it, measured slower: the
// odd pair count of most windows makes its inner branch unpredictable.)
template <int CH>
__attribute__((target("avx2"))) void rows2_avx2(const uint8_t* in0, const uint8_t* in1, int in_width, uint8_t* out0,
                                                uint8_t* out1, const int* bounds, const int32_t* pairs, int npairs,
                                                int col0, int cols) {
  const __m256i mask = _mm256_broadcastsi128_si256(pair_mask<CH>());
  const __m256i round = _mm256_set1_epi32(1 << (kPrecisionBits - 1));
  for (int xx = 0; xx < cols; ++xx) {
    const size_t o = static_cast<size_t>(col0 + xx);
    const int xmin = bounds[o * 2];
    const int used = (bounds[o * 2 + 1] + 1) / 2;
    const int32_t* pp = pairs + o * static_cast<size_t>(npairs) * 2;
    __m256i hi = _mm256_setzero_si256();
    __m256i lo = _mm256_setzero_si256();
    for (int j = 0; j < used; ++j) {
      const int q = xmin + 2 * j;
      const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(load_two<CH>(in0, q, in_width)),
                                                   load_two<CH>(in1, q, in_width), 1);
      const __m256i v = _mm256_shuffle_epi8(both, mask);
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(v, _mm256_set1_epi32(pp[2 * j])));
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(v, _mm256_set1_epi32(pp[2 * j + 1])));
    }
    const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(hi, 15), lo), round);
    const __m256i v = _mm256_srai_epi32(sum, kPrecisionBits);
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

__attribute__((target("sse4.1"))) void horizontal_row_pairs_sse41_c3(const uint8_t* in, int in_width, uint8_t* out,
                                                                     const int* bounds, const int32_t* pairs,
                                                                     int npairs, int col0, int cols) {
  row_sse41<3>(in, in_width, out, bounds, pairs, npairs, col0, cols);
}

__attribute__((target("sse4.1"))) void horizontal_row_pairs_sse41_c4(const uint8_t* in, int in_width, uint8_t* out,
                                                                     const int* bounds, const int32_t* pairs,
                                                                     int npairs, int col0, int cols) {
  row_sse41<4>(in, in_width, out, bounds, pairs, npairs, col0, cols);
}

__attribute__((target("avx2"))) void horizontal_rows2_pairs_avx2_c3(const uint8_t* in0, const uint8_t* in1,
                                                                    int in_width, uint8_t* out0, uint8_t* out1,
                                                                    const int* bounds, const int32_t* pairs,
                                                                    int npairs, int col0, int cols) {
  rows2_avx2<3>(in0, in1, in_width, out0, out1, bounds, pairs, npairs, col0, cols);
}

__attribute__((target("avx2"))) void horizontal_rows2_pairs_avx2_c4(const uint8_t* in0, const uint8_t* in1,
                                                                    int in_width, uint8_t* out0, uint8_t* out1,
                                                                    const int* bounds, const int32_t* pairs,
                                                                    int npairs, int col0, int cols) {
  rows2_avx2<4>(in0, in1, in_width, out0, out1, bounds, pairs, npairs, col0, cols);
}

}  // namespace tl

#endif
