// The pixels a SIMD convert kernel leaves after its last full vector, done one at a time with
// the same three IEEE operations as the lanes, so the whole row stays bit-identical to
// PixelWriter's tables (every file that includes this is compiled with -ffp-contract=off).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/half.h"

namespace tl {

inline void convert_tail_chw3(const uint8_t* src, size_t x, size_t width, float* r, float* g, float* b, float scale,
                              const float* mean, const float* std) {
  for (; x < width; ++x) {
    r[x] = (static_cast<float>(src[x * 3]) * scale - mean[0]) / std[0];
    g[x] = (static_cast<float>(src[x * 3 + 1]) * scale - mean[1]) / std[1];
    b[x] = (static_cast<float>(src[x * 3 + 2]) * scale - mean[2]) / std[2];
  }
}

inline void convert_tail_chw3_f16(const uint8_t* src, size_t x, size_t width, uint16_t* r, uint16_t* g, uint16_t* b,
                                  float scale, const float* mean, const float* std) {
  for (; x < width; ++x) {
    r[x] = float_to_half((static_cast<float>(src[x * 3]) * scale - mean[0]) / std[0]);
    g[x] = float_to_half((static_cast<float>(src[x * 3 + 1]) * scale - mean[1]) / std[1]);
    b[x] = float_to_half((static_cast<float>(src[x * 3 + 2]) * scale - mean[2]) / std[2]);
  }
}

}  // namespace tl
