// SIMD kernels of the two resampling passes (core/resample_impl.h holds the scalar ones and
// the algorithm). Integer arithmetic in the same 22-bit fixed point, the same sums in 32 bits:
// the results are bit-identical to the scalar passes (and so to PIL), whatever the order.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/cpu_features.h"

namespace tl {

// One output row of the horizontal pass: output columns [col0, col0 + cols) from the source
// row `in` of `in_width` pixels; `bounds`/`k` as Coefficients (ksize weights per output).
using HorizontalRowFn = void (*)(const uint8_t* in, int in_width, uint8_t* out, const int* bounds, const int32_t* k,
                                 int ksize, int col0, int cols);
// Two output rows of the horizontal pass at once (two source rows, the same coefficients).
using HorizontalRows2Fn = void (*)(const uint8_t* in0, const uint8_t* in1, int in_width, uint8_t* out0, uint8_t* out1,
                                   const int* bounds, const int32_t* k, int ksize, int col0, int cols);
// One output row of the vertical pass: n bytes, out[i] = clip(sum_y temp[(ymin + y) * stride + i] * k[y]).
using VerticalRowFn = void (*)(const uint8_t* temp, size_t stride, int ymin, int ymax, const int32_t* k, uint8_t* out,
                               size_t n);

// The horizontal pass from the split weights of Coefficients::pairs (npairs pairs of taps per
// output pixel), for 16-bit multiply-adds; one row, and two rows at once.
using HorizontalRowPairsFn = void (*)(const uint8_t* in, int in_width, uint8_t* out, const int* bounds,
                                      const int32_t* pairs, int npairs, int col0, int cols);
using HorizontalRows2PairsFn = void (*)(const uint8_t* in0, const uint8_t* in1, int in_width, uint8_t* out0,
                                        uint8_t* out1, const int* bounds, const int32_t* pairs, int npairs, int col0,
                                        int cols);

// The kernels for `level` and `channels`, or nullptr where the scalar pass is the one to use.
// The pairs kernels, where they exist, are preferred over the others of the same pass.
HorizontalRowFn horizontal_row_kernel(SimdLevel level, int channels);
HorizontalRows2Fn horizontal_rows2_kernel(SimdLevel level, int channels);
HorizontalRowPairsFn horizontal_row_pairs_kernel(SimdLevel level, int channels);
HorizontalRows2PairsFn horizontal_rows2_pairs_kernel(SimdLevel level, int channels);
VerticalRowFn vertical_row_kernel(SimdLevel level);

#if defined(__x86_64__) || defined(__i386__)
void horizontal_row_sse41_c3(const uint8_t*, int, uint8_t*, const int*, const int32_t*, int, int, int);
void horizontal_row_sse41_c4(const uint8_t*, int, uint8_t*, const int*, const int32_t*, int, int, int);
void vertical_row_sse41(const uint8_t*, size_t, int, int, const int32_t*, uint8_t*, size_t);
void horizontal_rows2_avx2_c3(const uint8_t*, const uint8_t*, int, uint8_t*, uint8_t*, const int*, const int32_t*, int,
                              int, int);
void horizontal_rows2_avx2_c4(const uint8_t*, const uint8_t*, int, uint8_t*, uint8_t*, const int*, const int32_t*, int,
                              int, int);
void vertical_row_avx2(const uint8_t*, size_t, int, int, const int32_t*, uint8_t*, size_t);
void horizontal_row_pairs_sse41_c3(const uint8_t*, int, uint8_t*, const int*, const int32_t*, int, int, int);
void horizontal_row_pairs_sse41_c4(const uint8_t*, int, uint8_t*, const int*, const int32_t*, int, int, int);
void horizontal_rows2_pairs_avx2_c3(const uint8_t*, const uint8_t*, int, uint8_t*, uint8_t*, const int*,
                                    const int32_t*, int, int, int);
void horizontal_rows2_pairs_avx2_c4(const uint8_t*, const uint8_t*, int, uint8_t*, uint8_t*, const int*,
                                    const int32_t*, int, int, int);
#endif

}  // namespace tl
