// SSE4.1 and AVX2 kernels of core/simd/convert.h: 16 pixels a step, split into their three
// channels by byte shuffles, widened to 32-bit floats, then multiply, subtract, divide.
// No fused multiply-add (neither target enables FMA), so the rounding is the scalar one.
// Only these functions carry the SSE4.1/AVX2 targets (see unfilter_sse41.cc for why).
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "core/simd/convert.h"
#include "core/simd/convert_tail.h"

namespace tl {
namespace {

// Shuffle masks taking channel C of 16 RGB pixels (bytes C, C + 3, ..., C + 45) out of each of
// the three 16-byte loads, -1 (zero) where the byte is in another load.
struct ChannelMasks {
  alignas(16) int8_t m[3][16];
};
constexpr ChannelMasks channel_masks(int c) {
  ChannelMasks out{};
  for (int i = 0; i < 16; ++i) {
    const int src = c + 3 * i;
    for (int part = 0; part < 3; ++part) {
      const int at = src - 16 * part;
      out.m[part][i] = static_cast<int8_t>(at >= 0 && at < 16 ? at : -1);
    }
  }
  return out;
}
constexpr ChannelMasks kMasks[3] = {channel_masks(0), channel_masks(1), channel_masks(2)};

template <int C>
__attribute__((target("sse4.1"))) inline __m128i channel16(__m128i a, __m128i b, __m128i c) {
  const ChannelMasks& k = kMasks[C];
  const __m128i sa = _mm_shuffle_epi8(a, _mm_load_si128(reinterpret_cast<const __m128i*>(k.m[0])));
  const __m128i sb = _mm_shuffle_epi8(b, _mm_load_si128(reinterpret_cast<const __m128i*>(k.m[1])));
  const __m128i sc = _mm_shuffle_epi8(c, _mm_load_si128(reinterpret_cast<const __m128i*>(k.m[2])));
  return _mm_or_si128(_mm_or_si128(sa, sb), sc);
}

__attribute__((target("sse4.1"))) inline void store16_sse(__m128i v, float* out, __m128 scale, __m128 mean, __m128 std) {
  const __m128i parts[4] = {v, _mm_srli_si128(v, 4), _mm_srli_si128(v, 8), _mm_srli_si128(v, 12)};
  for (int q = 0; q < 4; ++q) {
    const __m128 f = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(parts[q]));
    _mm_storeu_ps(out + 4 * q, _mm_div_ps(_mm_sub_ps(_mm_mul_ps(f, scale), mean), std));
  }
}

// The 16 values of one channel as two vectors of 8 floats, (v * scale - mean) / std.
__attribute__((target("avx2"))) inline void apply16_avx(__m128i v, __m256 scale, __m256 mean, __m256 std, __m256* lo,
                                                        __m256* hi) {
  const __m256 a = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v));
  const __m256 b = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8)));
  *lo = _mm256_div_ps(_mm256_sub_ps(_mm256_mul_ps(a, scale), mean), std);
  *hi = _mm256_div_ps(_mm256_sub_ps(_mm256_mul_ps(b, scale), mean), std);
}

__attribute__((target("avx2"))) inline void store16_avx(__m128i v, float* out, __m256 scale, __m256 mean, __m256 std) {
  __m256 lo, hi;
  apply16_avx(v, scale, mean, std, &lo, &hi);
  _mm256_storeu_ps(out, lo);
  _mm256_storeu_ps(out + 8, hi);
}

// F16C's conversion rounds to nearest even, overflows to infinity and keeps subnormals, as
// float_to_half does for every value these operations give.
__attribute__((target("avx2,f16c"))) inline void store16_avx_f16(__m128i v, uint16_t* out, __m256 scale, __m256 mean,
                                                                 __m256 std) {
  __m256 lo, hi;
  apply16_avx(v, scale, mean, std, &lo, &hi);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_cvtps_ph(lo, _MM_FROUND_TO_NEAREST_INT));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8), _mm256_cvtps_ph(hi, _MM_FROUND_TO_NEAREST_INT));
}

// 16 RGB pixels (48 bytes) split into their three channels, 16 bytes each.
__attribute__((target("sse4.1"))) inline void split16(const uint8_t* p, __m128i c[3]) {
  const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  const __m128i v2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32));
  c[0] = channel16<0>(v0, v1, v2);
  c[1] = channel16<1>(v0, v1, v2);
  c[2] = channel16<2>(v0, v1, v2);
}

}  // namespace

__attribute__((target("avx2,f16c"))) void convert_row_chw3_f16_avx2(const uint8_t* src, size_t width, uint16_t* r,
                                                                    uint16_t* g, uint16_t* b, float scale,
                                                                    const float* mean, const float* std) {
  const __m256 s = _mm256_set1_ps(scale);
  uint16_t* const planes[3] = {r, g, b};
  size_t x = 0;
  for (; x + 16 <= width; x += 16) {
    __m128i c[3];
    split16(src + x * 3, c);
    for (int k = 0; k < 3; ++k) store16_avx_f16(c[k], planes[k] + x, s, _mm256_set1_ps(mean[k]), _mm256_set1_ps(std[k]));
  }
  convert_tail_chw3_f16(src, x, width, r, g, b, scale, mean, std);
}

__attribute__((target("sse4.1"))) void convert_row_chw3_f32_sse41(const uint8_t* src, size_t width, float* r, float* g,
                                                                  float* b, float scale, const float* mean,
                                                                  const float* std) {
  const __m128 s = _mm_set1_ps(scale);
  float* const planes[3] = {r, g, b};
  size_t x = 0;
  for (; x + 16 <= width; x += 16) {
    __m128i c[3];
    split16(src + x * 3, c);
    for (int k = 0; k < 3; ++k) store16_sse(c[k], planes[k] + x, s, _mm_set1_ps(mean[k]), _mm_set1_ps(std[k]));
  }
  convert_tail_chw3(src, x, width, r, g, b, scale, mean, std);
}

__attribute__((target("avx2"))) void convert_row_chw3_f32_avx2(const uint8_t* src, size_t width, float* r, float* g,
                                                               float* b, float scale, const float* mean,
                                                               const float* std) {
  const __m256 s = _mm256_set1_ps(scale);
  float* const planes[3] = {r, g, b};
  size_t x = 0;
  for (; x + 16 <= width; x += 16) {
    __m128i c[3];
    split16(src + x * 3, c);
    for (int k = 0; k < 3; ++k) store16_avx(c[k], planes[k] + x, s, _mm256_set1_ps(mean[k]), _mm256_set1_ps(std[k]));
  }
  convert_tail_chw3(src, x, width, r, g, b, scale, mean, std);
}

}  // namespace tl

#endif
