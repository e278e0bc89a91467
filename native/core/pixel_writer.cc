#include "core/pixel_writer.h"

#include <cstring>

#include "core/half.h"

namespace tl {

PixelWriter::PixelWriter(const ImageOptions& o)
    : width_(o.width),
      height_(o.height),
      channels_(o.channels),
      dtype_(o.dtype),
      layout_(o.layout),
      item_bytes_(static_cast<size_t>(o.width) * static_cast<size_t>(o.height) * static_cast<size_t>(o.channels) *
                  static_cast<size_t>(bytes_per_value(o.dtype))) {
  if (o.dtype == OutType::kFloat32 && o.layout == Layout::kCHW && o.channels == 3) {
    chw3_f32_ = convert_row_chw3_kernel(simd_level());
  }
  if (o.dtype == OutType::kFloat16 && o.layout == Layout::kCHW && o.channels == 3) {
    chw3_f16_ = convert_row_chw3_f16_kernel(simd_level());
  }
  scale_ = o.scale;
  for (int c = 0; c < 4; ++c) {
    mean_[c] = o.mean[c];
    std_[c] = o.std[c];
  }
  for (int c = 0; c < 4; ++c) {
    for (int v = 0; v < 256; ++v) {
      // Two roundings, never one FMA (this file is built with -ffp-contract=off): the convert
      // kernels, chosen for unflipped rows, must give these values bit for bit on every CPU.
      const float f = (static_cast<float>(v) * o.scale - o.mean[c]) / o.std[c];
      lut_f32_[c][v] = f;
      lut_f16_[c][v] = float_to_half(f);
      lut_u8_[c][v] = static_cast<uint8_t>(v);
    }
  }
}

template <typename T>
void PixelWriter::write_row_typed(const uint8_t* src, int y, bool flip, T* dst, const T (*lut)[256]) const {
  const size_t w = static_cast<size_t>(width_);
  const size_t plane = w * static_cast<size_t>(height_);
  const size_t channels = static_cast<size_t>(channels_);
  if (layout_ == Layout::kHWC) {
    T* row = dst + static_cast<size_t>(y) * w * channels;
    for (size_t x = 0; x < w; ++x) {
      const uint8_t* px = src + (flip ? w - 1 - x : x) * channels;
      for (size_t c = 0; c < channels; ++c) row[x * channels + c] = lut[c][px[c]];
    }
    return;
  }
  for (size_t c = 0; c < channels; ++c) {
    T* row = dst + c * plane + static_cast<size_t>(y) * w;
    const T* table = lut[c];
    if (flip) {
      for (size_t x = 0; x < w; ++x) row[x] = table[src[(w - 1 - x) * channels + c]];
    } else {
      for (size_t x = 0; x < w; ++x) row[x] = table[src[x * channels + c]];
    }
  }
}

// Row y of a 3-channel CHW image through a convert kernel: its three plane rows.
template <typename T, typename Kernel>
void PixelWriter::write_row_kernel(Kernel kernel, const uint8_t* src, int y, T* dst) const {
  const size_t w = static_cast<size_t>(width_);
  const size_t plane = w * static_cast<size_t>(height_);
  T* r = dst + static_cast<size_t>(y) * w;
  kernel(src, w, r, r + plane, r + 2 * plane, scale_, mean_, std_);
}

void PixelWriter::write_row(const uint8_t* src, int y, bool flip, uint8_t* dst) const {
  switch (dtype_) {
    case OutType::kFloat32:
      if (chw3_f32_ != nullptr && !flip) {
        write_row_kernel(chw3_f32_, src, y, reinterpret_cast<float*>(dst));
      } else {
        write_row_typed(src, y, flip, reinterpret_cast<float*>(dst), lut_f32_);
      }
      break;
    case OutType::kFloat16:
      if (chw3_f16_ != nullptr && !flip) {
        write_row_kernel(chw3_f16_, src, y, reinterpret_cast<uint16_t*>(dst));
      } else {
        write_row_typed(src, y, flip, reinterpret_cast<uint16_t*>(dst), lut_f16_);
      }
      break;
    case OutType::kUint8:
      write_row_typed(src, y, flip, dst, lut_u8_);
      break;
  }
}

// Row by row through write_row (the SIMD convert kernels where they apply), with ordinary
// stores. Non-temporal stores straight to memory were tried for float CHW images: faster on one
// 2-core VM, 7x slower than this on another of the same kind (bench "Packed to float"), so the
// cache decides.
void PixelWriter::write_image(const uint8_t* src, uint8_t* dst) const {
  const size_t row_bytes = static_cast<size_t>(width_) * static_cast<size_t>(channels_);
  for (int y = 0; y < height_; ++y) write_row(src + static_cast<size_t>(y) * row_bytes, y, false, dst);
}

}  // namespace tl
