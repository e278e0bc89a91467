#include "core/resample.h"

#include <cmath>

namespace tl {
namespace {

struct FilterDef {
  double (*fn)(double);
  double support;
};

double box_filter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }
double bilinear_filter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}
double hamming_filter(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x *= M_PI;
  return std::sin(x) / x * (0.54 + 0.46 * std::cos(x));
}
double bicubic_filter(double x) {
  constexpr double a = -0.5;  // Pillow's (Catmull-Rom)
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}
double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= M_PI;
  return std::sin(x) / x;
}
double lanczos_filter(double x) {
  return (x > -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0;
}

FilterDef filter_def(Filter f) {
  switch (f) {
    case Filter::kBox: return {box_filter, 0.5};
    case Filter::kBilinear: return {bilinear_filter, 1.0};
    case Filter::kHamming: return {hamming_filter, 1.0};
    case Filter::kBicubic: return {bicubic_filter, 2.0};
    case Filter::kLanczos: return {lanczos_filter, 3.0};
    case Filter::kNearest: break;
  }
  return {box_filter, 0.5};
}

}  // namespace

void Coefficients::compute(int in_size, double in0, double in1, int out_size, Filter filter) {
  // Bitwise equal doubles: the same window gives the same weights.
  if (valid_ && in_size == in_size_ && in0 == in0_ && in1 == in1_ && out_size == out_size_ && filter == filter_) return;
  valid_ = false;
  compute_fresh(in_size, in0, in1, out_size, filter);
  split_pairs();
  in_size_ = in_size;
  in0_ = in0;
  in1_ = in1;
  out_size_ = out_size;
  filter_ = filter;
  valid_ = true;
}

void Coefficients::split_pairs() {
  npairs = (ksize + 1) / 2;
  const size_t outs = bounds.size() / 2;
  pairs.assign(outs * static_cast<size_t>(npairs) * 2, 0);
  auto pack = [](int32_t a, int32_t b) {
    return static_cast<int32_t>((static_cast<uint32_t>(b) << 16) | (static_cast<uint32_t>(a) & 0xffffu));
  };
  for (size_t o = 0; o < outs; ++o) {
    const int32_t* kk = &k[o * static_cast<size_t>(ksize)];
    int32_t* out = &pairs[o * static_cast<size_t>(npairs) * 2];
    for (int j = 0; j < npairs; ++j) {
      const int32_t a = kk[2 * j];
      const int32_t b = 2 * j + 1 < ksize ? kk[2 * j + 1] : 0;
      // Arithmetic shifts: the high parts keep the sign, the low parts are in [0, 2^15).
      out[2 * j] = pack(a >> 15, b >> 15);
      out[2 * j + 1] = pack(a & 0x7fff, b & 0x7fff);
    }
  }
}

void Coefficients::compute_fresh(int in_size, double in0, double in1, int out_size, Filter filter) {
  bounds.resize(static_cast<size_t>(out_size) * 2);
  const double scale = (in1 - in0) / out_size;
  if (filter == Filter::kNearest) {
    // One source pixel per output pixel: the one under the output pixel's centre.
    ksize = 1;
    k.assign(static_cast<size_t>(out_size), 1 << (resample_detail::kPrecisionBits));
    for (int xx = 0; xx < out_size; ++xx) {
      int x = static_cast<int>(std::floor(in0 + (xx + 0.5) * scale));
      x = std::clamp(x, 0, in_size - 1);
      bounds[static_cast<size_t>(xx) * 2] = x;
      bounds[static_cast<size_t>(xx) * 2 + 1] = 1;
    }
    return;
  }
  const FilterDef f = filter_def(filter);
  const double filterscale = std::max(scale, 1.0);
  const double support = f.support * filterscale;
  ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  k.assign(static_cast<size_t>(out_size) * static_cast<size_t>(ksize), 0);
  std::vector<double> w(static_cast<size_t>(ksize));
  const double ss = 1.0 / filterscale;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double total = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[static_cast<size_t>(x)] = f.fn((x + xmin - center + 0.5) * ss);
      total += w[static_cast<size_t>(x)];
    }
    int32_t* kk = &k[static_cast<size_t>(xx) * static_cast<size_t>(ksize)];
    for (int x = 0; x < xmax; ++x) {
      const double v = total != 0.0 ? w[static_cast<size_t>(x)] / total : 0.0;
      const double fixed = v * (1 << resample_detail::kPrecisionBits);
      kk[x] = static_cast<int32_t>(v < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    bounds[static_cast<size_t>(xx) * 2] = xmin;
    bounds[static_cast<size_t>(xx) * 2 + 1] = xmax;
  }
}

}  // namespace tl
