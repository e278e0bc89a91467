// The last bytes of a vertical-pass row that a SIMD kernel's registers do not fill, computed
// one at a time with the scalar pass's sum (core/resample_impl.h), shared by the kernels of
// every architecture. Plain C++, so each kernel file compiles it for its own target.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tl {

// Output bytes [i, n) from `base` (the window's first row), `ymax` rows of `stride` bytes.
inline void vertical_tail(const uint8_t* base, size_t stride, int ymax, const int32_t* k, uint8_t* out, size_t i,
                          size_t n) {
  constexpr int kPrecisionBits = 32 - 8 - 2;
  for (; i < n; ++i) {
    int32_t acc = 1 << (kPrecisionBits - 1);
    const uint8_t* p = base + i;
    for (int y = 0; y < ymax; ++y, p += stride) acc += static_cast<int32_t>(*p) * k[y];
    acc >>= kPrecisionBits;
    out[i] = static_cast<uint8_t>(acc < 0 ? 0 : acc > 255 ? 255 : acc);
  }
}

}  // namespace tl
