// uint8 RGB rows to float32 planes with scale and mean/std (the CHW float layout training
// uses), computed as PixelWriter's tables are: (float(v) * scale - mean) / std, in float, the
// same IEEE operations lane by lane, so every value is bit-identical to the table's.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/cpu_features.h"

namespace tl {

// `width` interleaved RGB pixels of `src` into the three planes' rows r, g, b.
using ConvertRowChw3Fn = void (*)(const uint8_t* src, size_t width, float* r, float* g, float* b, float scale,
                                  const float* mean, const float* std);

// The same into IEEE binary16 planes (bits), rounded to nearest even as float_to_half does.
using ConvertRowChw3F16Fn = void (*)(const uint8_t* src, size_t width, uint16_t* r, uint16_t* g, uint16_t* b,
                                     float scale, const float* mean, const float* std);

#if defined(__x86_64__) || defined(__i386__)
// Needs F16C besides AVX2 (convert_row_chw3_f16_kernel checks it).
void convert_row_chw3_f16_avx2(const uint8_t*, size_t, uint16_t*, uint16_t*, uint16_t*, float, const float*, const float*);
void convert_row_chw3_f32_sse41(const uint8_t*, size_t, float*, float*, float*, float, const float*, const float*);
void convert_row_chw3_f32_avx2(const uint8_t*, size_t, float*, float*, float*, float, const float*, const float*);
#elif defined(__aarch64__)
void convert_row_chw3_f16_neon(const uint8_t*, size_t, uint16_t*, uint16_t*, uint16_t*, float, const float*, const float*);
void convert_row_chw3_f32_neon(const uint8_t*, size_t, float*, float*, float*, float, const float*, const float*);
#endif

// The kernel for `level`, or nullptr where the scalar (table) path is the one to use.
ConvertRowChw3Fn convert_row_chw3_kernel(SimdLevel level);
ConvertRowChw3F16Fn convert_row_chw3_f16_kernel(SimdLevel level);

}  // namespace tl
