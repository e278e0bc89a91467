// Image resampling as Pillow does it (ImagingResample, 8 bits per channel): separable
// convolution with the filter's support widened by the scale factor when shrinking
// (antialiasing), coefficients in 22-bit fixed point, a horizontal pass then a vertical pass,
// each rounding and clipping to 8 bits. Same kernels, same numbers: a tensor made here matches
// the seed's PIL pipeline (Image.resize) to within rounding of the decoders.
//
// Done here rather than with vips_resize because libvips builds a graph of several operations
// per call: measured ~450 us for one 100x100 -> 64x64 resize on the dev machine, against
// ~20 us for this code; the seed's images are that small.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tl {

enum class Filter { kNearest, kBox, kBilinear, kHamming, kBicubic, kLanczos };

// Coefficients mapping a source window [in0, in1) of `in_size` pixels onto `out_size` pixels.
struct Coefficients {
  int ksize = 0;
  std::vector<int> bounds;   // per output pixel: first source pixel, count
  std::vector<int32_t> k;    // per output pixel: ksize fixed-point weights
  // The same weights split for 16-bit multiply-adds: per output pixel, npairs pairs of taps
  // (2j, 2j + 1), each as two words of two int16 values, [k >> 15 of both | k & 0x7fff of
  // both], so that k = (k >> 15) * 2^15 + (k & 0x7fff) and every sum stays exact.
  int npairs = 0;
  std::vector<int32_t> pairs;
  // Recomputes only when the arguments differ from the last call's: a dataset of same-sized
  // images keeps its coefficients, which are exactly what a fresh computation would give.
  void compute(int in_size, double in0, double in1, int out_size, Filter filter);

 private:
  void compute_fresh(int in_size, double in0, double in1, int out_size, Filter filter);
  void split_pairs();
  bool valid_ = false;
  int in_size_ = 0;
  double in0_ = 0;
  double in1_ = 0;
  int out_size_ = 0;
  Filter filter_ = Filter::kNearest;
};

// Per-thread scratch of the resampler (reused, so steady state allocates nothing).
struct ResampleScratch {
  Coefficients horizontal;
  Coefficients vertical;
  std::vector<uint8_t> temp;  // horizontal pass output
  std::vector<uint8_t> row;   // one vertical pass output row
  std::vector<int32_t> acc;   // its accumulators
};

struct Plane {
  const uint8_t* data;
  size_t stride;  // bytes between rows
  int width;
  int height;
  int channels;   // interleaved uint8 values per pixel
};

// Resamples the window [x0, x1) x [y0, y1) of `src` (fractional bounds allowed, as PIL's
// `box`) to out_w x out_h, and calls emit(y, row) for every output row, top to bottom, with
// `row` holding out_w interleaved pixels. Output columns [col0, col0 + cols) of a virtual
// out_w-wide result are produced, so a centre crop of a resize costs only the crop.
template <typename Emit>
void resample(const Plane& src, double x0, double y0, double x1, double y1, int out_w, int out_h, int col0, int cols,
              int row0, int rows, Filter filter, ResampleScratch& scratch, Emit&& emit);

}  // namespace tl

#include "core/resample_impl.h"
