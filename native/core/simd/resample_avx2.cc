// AVX2 vertical resampling pass: 16 output bytes a step in two registers of eight 32-bit
// accumulators, kept in registers across the taps; exact as the SSE4.1 and scalar passes.
// Only this function carries the AVX2 target (see unfilter_sse41.cc for why).
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstring>

#include "core/simd/resample_kernels.h"

namespace tl {

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
