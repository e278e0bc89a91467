// Template body of resample(); included by resample.h only.
#pragma once

#include <algorithm>

#include "core/simd/resample_kernels.h"

namespace tl {
namespace resample_detail {

constexpr int kPrecisionBits = 32 - 8 - 2;

inline uint8_t clip8(int32_t v) {
  v >>= kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// One output row of the horizontal pass; CH is fixed so the channel loop unrolls and each
// weight is loaded once per source pixel.
template <int CH>
void horizontal_row(const uint8_t* in, uint8_t* out, const Coefficients& hc, int col0, int cols) {
  const size_t ksize = static_cast<size_t>(hc.ksize);
  for (int xx = 0; xx < cols; ++xx) {
    const size_t o = static_cast<size_t>(col0 + xx);
    const int xmin = hc.bounds[o * 2];
    const int xmax = hc.bounds[o * 2 + 1];
    const int32_t* k = &hc.k[o * ksize];
    const uint8_t* p = in + static_cast<size_t>(xmin) * CH;
    int32_t ss[CH];
    for (int c = 0; c < CH; ++c) ss[c] = 1 << (kPrecisionBits - 1);
    for (int x = 0; x < xmax; ++x, p += CH) {
      const int32_t w = k[x];
      for (int c = 0; c < CH; ++c) ss[c] += static_cast<int32_t>(p[c]) * w;
    }
    uint8_t* q = out + static_cast<size_t>(xx) * CH;
    for (int c = 0; c < CH; ++c) q[c] = clip8(ss[c]);
  }
}

// One output row of the vertical pass (n bytes), the scalar way.
inline void vertical_row_scalar(const uint8_t* temp, size_t stride, int ymin, int ymax, const int32_t* k, uint8_t* out,
                                size_t n, int32_t* acc) {
  std::fill(acc, acc + n, 1 << (kPrecisionBits - 1));
  for (int y = 0; y < ymax; ++y) {
    const int32_t w = k[y];
    const uint8_t* p = temp + static_cast<size_t>(ymin + y) * stride;
    for (size_t i = 0; i < n; ++i) acc[i] += static_cast<int32_t>(p[i]) * w;
  }
  for (size_t i = 0; i < n; ++i) out[i] = clip8(acc[i]);
}

}  // namespace resample_detail

template <typename Emit>
void resample(const Plane& src, double x0, double y0, double x1, double y1, int out_w, int out_h, int col0, int cols,
              int row0, int rows, Filter filter, ResampleScratch& scratch, Emit&& emit) {
  using namespace resample_detail;
  const int ch = src.channels;
  Coefficients& hc = scratch.horizontal;
  Coefficients& vc = scratch.vertical;
  hc.compute(src.width, x0, x1, out_w, filter);
  vc.compute(src.height, y0, y1, out_h, filter);

  // Source rows the wanted output rows need.
  const int first = vc.bounds[static_cast<size_t>(row0) * 2];
  const int last_out = row0 + rows - 1;
  const int last = vc.bounds[static_cast<size_t>(last_out) * 2] + vc.bounds[static_cast<size_t>(last_out) * 2 + 1];
  const int temp_rows = last - first;

  // Horizontal pass: source rows [first, last) -> temp, only the wanted columns.
  const size_t temp_stride = static_cast<size_t>(cols) * static_cast<size_t>(ch);
  scratch.temp.resize(temp_stride * static_cast<size_t>(temp_rows));
  // SIMD kernels where the CPU has them (core/cpu_features.h), chosen once per image.
  const HorizontalRowFn simd_h = horizontal_row_kernel(simd_level(), ch);
  const HorizontalRows2Fn simd_h2 = horizontal_rows2_kernel(simd_level(), ch);
  const HorizontalRowPairsFn pairs_h = horizontal_row_pairs_kernel(simd_level(), ch);
  const HorizontalRows2PairsFn pairs_h2 = horizontal_rows2_pairs_kernel(simd_level(), ch);
  const VerticalRowFn simd_v = vertical_row_kernel(simd_level());
  int y = 0;
  if (pairs_h2 != nullptr) {
    for (; y + 2 <= temp_rows; y += 2) {
      const uint8_t* in = src.data + static_cast<size_t>(first + y) * src.stride;
      uint8_t* out = scratch.temp.data() + static_cast<size_t>(y) * temp_stride;
      pairs_h2(in, in + src.stride, src.width, out, out + temp_stride, hc.bounds.data(), hc.pairs.data(), hc.npairs,
               col0, cols);
    }
  } else if (simd_h2 != nullptr) {
    for (; y + 2 <= temp_rows; y += 2) {
      const uint8_t* in = src.data + static_cast<size_t>(first + y) * src.stride;
      uint8_t* out = scratch.temp.data() + static_cast<size_t>(y) * temp_stride;
      simd_h2(in, in + src.stride, src.width, out, out + temp_stride, hc.bounds.data(), hc.k.data(), hc.ksize, col0, cols);
    }
  }
  for (; y < temp_rows; ++y) {
    const uint8_t* in = src.data + static_cast<size_t>(first + y) * src.stride;
    uint8_t* out = scratch.temp.data() + static_cast<size_t>(y) * temp_stride;
    if (pairs_h != nullptr) {
      pairs_h(in, src.width, out, hc.bounds.data(), hc.pairs.data(), hc.npairs, col0, cols);
      continue;
    }
    if (simd_h != nullptr) {
      simd_h(in, src.width, out, hc.bounds.data(), hc.k.data(), hc.ksize, col0, cols);
      continue;
    }
    switch (ch) {
      case 1: horizontal_row<1>(in, out, hc, col0, cols); break;
      case 3: horizontal_row<3>(in, out, hc, col0, cols); break;
      default: horizontal_row<4>(in, out, hc, col0, cols); break;
    }
  }

  // Vertical pass: whole rows at a time, so the inner loop runs over contiguous bytes and
  // vectorises.
  scratch.row.resize(temp_stride);
  scratch.acc.resize(temp_stride);
  int32_t* acc = scratch.acc.data();
  for (int yy = row0; yy < row0 + rows; ++yy) {
    const size_t o = static_cast<size_t>(yy);
    const int ymin = vc.bounds[o * 2] - first;
    const int ymax = vc.bounds[o * 2 + 1];
    const int32_t* k = &vc.k[o * static_cast<size_t>(vc.ksize)];
    uint8_t* row = scratch.row.data();
    if (simd_v != nullptr) {
      simd_v(scratch.temp.data(), temp_stride, ymin, ymax, k, row, temp_stride);
    } else {
      vertical_row_scalar(scratch.temp.data(), temp_stride, ymin, ymax, k, row, temp_stride, acc);
    }
    emit(yy - row0, row);
  }
}

}  // namespace tl
