// Writes the final 8-bit pixels of one image into its place in a batch slot: dtype, scale,
// mean/std, layout and horizontal flip in one pass through lookup tables built once per
// dataset (256 entries per channel), so the per-pixel work is a table load and a store.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/image_options.h"
#include "core/simd/convert.h"

namespace tl {

class PixelWriter {
 public:
  explicit PixelWriter(const ImageOptions& options);

  size_t item_bytes() const { return item_bytes_; }
  // One row of `width` pixels of `channels` interleaved uint8 values, at output row y.
  void write_row(const uint8_t* src, int y, bool flip, uint8_t* dst) const;
  // A whole image of `height` rows, `width` pixels of `channels` uint8 values, rows packed
  // (a packed file's raw record).
  void write_image(const uint8_t* src, uint8_t* dst) const;

 private:
  template <typename T>
  void write_row_typed(const uint8_t* src, int y, bool flip, T* dst, const T (*lut)[256]) const;
  template <typename T, typename Kernel>
  void write_row_kernel(Kernel kernel, const uint8_t* src, int y, T* dst) const;

  int width_;
  int height_;
  int channels_;
  OutType dtype_;
  Layout layout_;
  size_t item_bytes_;
  // Float32 CHW RGB rows without a flip are computed by a SIMD kernel where the CPU has one
  // (core/simd/convert.h; the same values as lut_f32_), with these parameters.
  ConvertRowChw3Fn chw3_f32_ = nullptr;
  ConvertRowChw3F16Fn chw3_f16_ = nullptr;
  float scale_ = 1.0f;
  float mean_[4] = {0, 0, 0, 0};
  float std_[4] = {1, 1, 1, 1};
  float lut_f32_[4][256];
  uint16_t lut_f16_[4][256];
  uint8_t lut_u8_[4][256];
};

}  // namespace tl
