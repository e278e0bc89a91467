#include "core/pixel_writer.h"

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
  for (int c = 0; c < 4; ++c) {
    for (int v = 0; v < 256; ++v) {
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

void PixelWriter::write_row(const uint8_t* src, int y, bool flip, uint8_t* dst) const {
  switch (dtype_) {
    case OutType::kFloat32:
      write_row_typed(src, y, flip, reinterpret_cast<float*>(dst), lut_f32_);
      break;
    case OutType::kFloat16:
      write_row_typed(src, y, flip, reinterpret_cast<uint16_t*>(dst), lut_f16_);
      break;
    case OutType::kUint8:
      write_row_typed(src, y, flip, dst, lut_u8_);
      break;
  }
}

}  // namespace tl
