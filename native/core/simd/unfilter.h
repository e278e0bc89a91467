// PNG row unfiltering (None, Sub, Up, Average, Paeth) for 8-bit images of 1-4 bytes per pixel,
// with a scalar kernel and an SSE4.1 kernel chosen at run time (core/cpu_features.h), or a
// NEON kernel on aarch64.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/cpu_features.h"

namespace tl {

// One row: `in` holds the row's filtered bytes (after its filter-type byte), `prev` the row
// above (nullptr for the first row), `row` receives `stride` unfiltered bytes. `bpp` is 1-4
// (the scalar kernel takes any). Returns false for an unknown filter type.
using UnfilterRowFn = bool (*)(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride,
                               size_t bpp);

bool unfilter_row_scalar(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride,
                         size_t bpp);
#if defined(__x86_64__) || defined(__i386__)
bool unfilter_row_sse41(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride,
                        size_t bpp);
#endif
#if defined(__aarch64__)
bool unfilter_row_neon(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride,
                       size_t bpp);
#endif

// The kernel for `level` (SSE4.1 and AVX2 share one: the filters are serial along a row).
UnfilterRowFn unfilter_row_kernel(SimdLevel level);

// Undoes the filters of `rows` rows of `raw` (each 1 + stride bytes) into `out` (stride bytes
// a row) with the kernel simd_level() picks. Returns false at the first unknown filter type.
bool unfilter_rows(const uint8_t* raw, uint8_t* out, size_t stride, uint32_t rows, size_t bpp);

}  // namespace tl
