#include <cstring>

#include "core/simd/unfilter.h"

namespace tl {
namespace {

inline uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = p > a ? p - a : a - p;
  const int pb = p > b ? p - b : b - p;
  const int pc = p > c ? p - c : c - p;
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  return static_cast<uint8_t>(pb <= pc ? b : c);
}

}  // namespace

bool unfilter_row_scalar(uint8_t filter, const uint8_t* in, const uint8_t* prev, uint8_t* row, size_t stride,
                         size_t bpp) {
  switch (filter) {
    case 0:
      std::memcpy(row, in, stride);
      return true;
    case 1:
      for (size_t i = 0; i < stride; ++i) row[i] = static_cast<uint8_t>(in[i] + (i >= bpp ? row[i - bpp] : 0));
      return true;
    case 2:
      for (size_t i = 0; i < stride; ++i) row[i] = static_cast<uint8_t>(in[i] + (prev ? prev[i] : 0));
      return true;
    case 3:
      for (size_t i = 0; i < stride; ++i) {
        const int left = i >= bpp ? row[i - bpp] : 0;
        const int up = prev ? prev[i] : 0;
        row[i] = static_cast<uint8_t>(in[i] + ((left + up) >> 1));
      }
      return true;
    case 4:
      for (size_t i = 0; i < stride; ++i) {
        const int left = i >= bpp ? row[i - bpp] : 0;
        const int up = prev ? prev[i] : 0;
        const int ul = (prev && i >= bpp) ? prev[i - bpp] : 0;
        row[i] = static_cast<uint8_t>(in[i] + paeth(left, up, ul));
      }
      return true;
    default:
      return false;
  }
}

}  // namespace tl
