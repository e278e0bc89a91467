// What the SIMD unfilter kernels share (unfilter_sse41.cc, unfilter_neon.cc): a pixel's 1-4
// bytes moved to and from the low bytes of a 32-bit word, and the choice between the per-bpp
// kernel and the scalar one. Plain C++, so each kernel file compiles it for its own target.
#pragma once

#include <cstring>

#include "core/simd/unfilter.h"

namespace tl {
namespace unfilter_detail {

// The BPP bytes at p in the low bytes of a word. `wide`: the 4 bytes at p may be read (and
// written: a pixel's 4-byte store puts a byte into the next pixel, whose own store comes
// after). Built in registers: a memcpy of 3 bytes would go through the stack and stall on
// store forwarding.
template <size_t BPP>
inline uint32_t load_bytes(const uint8_t* p, bool wide) {
  uint32_t v;
  if (BPP == 4 || (BPP == 3 && wide)) {
    std::memcpy(&v, p, 4);
  } else if (BPP == 3) {
    v = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16;
  } else if (BPP == 2) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    v = h;
  } else {
    v = p[0];
  }
  return v;
}

template <size_t BPP>
inline void store_bytes(uint8_t* p, uint32_t x, bool wide) {
  if (BPP == 4 || (BPP == 3 && wide)) {
    std::memcpy(p, &x, 4);
  } else if (BPP == 3) {
    p[0] = static_cast<uint8_t>(x);
    p[1] = static_cast<uint8_t>(x >> 8);
    p[2] = static_cast<uint8_t>(x >> 16);
  } else if (BPP == 2) {
    const uint16_t h = static_cast<uint16_t>(x);
    std::memcpy(p, &h, 2);
  } else {
    p[0] = static_cast<uint8_t>(x);
  }
}

// One row of filter 1-4 with Kernels' sub/up/avg/paeth for BPP bytes per pixel.
template <typename Kernels, size_t BPP>
inline bool filter_row(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride) {
  switch (filter) {
    case 1: Kernels::template sub<BPP>(in, row, stride); return true;
    case 2: Kernels::up(in, prev, row, stride); return true;
    case 3: Kernels::template avg<BPP>(in, prev, row, stride); return true;
    case 4: Kernels::template paeth<BPP>(in, prev, row, stride); return true;
    default: return false;
  }
}

// Kernels' filters for filters 1-4 and whole pixels of 1-4 bytes; the scalar kernel for the
// rest: the first row (no row above) unless Sub, filter None, unknown filters, and strides that
// are not whole pixels (never in a valid PNG of 8-bit samples).
template <typename Kernels>
inline bool unfilter_row_by_bpp(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride,
                                size_t bpp) {
  if (filter == 0 || filter > 4 || (prev == nullptr && filter != 1) || bpp < 1 || bpp > 4 || stride % bpp != 0) {
    return unfilter_row_scalar(filter, in, prev, row, stride, bpp);
  }
  switch (bpp) {
    case 1: return filter_row<Kernels, 1>(filter, in, prev, row, stride);
    case 2: return filter_row<Kernels, 2>(filter, in, prev, row, stride);
    case 3: return filter_row<Kernels, 3>(filter, in, prev, row, stride);
    default: return filter_row<Kernels, 4>(filter, in, prev, row, stride);
  }
}

}  // namespace unfilter_detail
}  // namespace tl
