// Everything one image item pipeline does, decided once per dataset: decode -> colour ->
// geometry (fit or random resized crop) -> flip -> dtype, scale, mean/std -> layout.
#pragma once

#include <cstdint>

#include "core/resample.h"

namespace tl {

enum class Fit { kFill, kCover, kContain };
enum class OutType { kUint8, kFloat32, kFloat16 };
enum class Layout { kCHW, kHWC };
enum class FailOn { kNone, kTruncated, kError, kWarning };

struct ImageOptions {
  int height = 224;
  int width = 224;
  Fit fit = Fit::kFill;
  // cover only: resize so the crop is this fraction of the resized image (torchvision's
  // Resize(256) + CenterCrop(224) is crop_fraction 0.875), then centre-crop.
  double crop_fraction = 1.0;
  int channels = 3;               // 1 (luma, as PIL's convert('L')), 3 (RGB) or 4 (RGBA)
  double background[3] = {0, 0, 0};  // alpha is flattened onto this (0..255) unless channels is 4
  double pad[4] = {0, 0, 0, 0};      // contain: the letterbox value per channel (0..255)
  Filter filter = Filter::kBicubic;  // PIL's Image.resize default
  bool autorotate = true;            // apply the EXIF orientation
  // JPEG: decode at a reduced DCT scale when the output is smaller (on the direct decoder the
  // smallest of 1/8, 2/8, 4/8 that leaves the resize's pixels; through libvips 1/2, 1/4 or 1/8
  // leaving twice them); off, every JPEG is decoded in full, as PIL does.
  bool shrink_on_load = true;
  uint64_t max_pixels = 268402689;   // 0x3FFF * 0x3FFF, sharp's limitInputPixels default
  // The most memory one item's decode may use (decoded pixels and their working copies),
  // checked against the header before decoding; a loader may lower it (ItemRef).
  uint64_t max_item_bytes = uint64_t{512} << 20;
  // What a libvips decoder may get away with before the item fails (its fail_on):
  // kWarning (sharp's default) refuses truncated data and any decoder warning.
  FailOn fail_on = FailOn::kWarning;
  OutType dtype = OutType::kFloat32;
  float scale = 1.0f / 255.0f;
  float mean[4] = {0, 0, 0, 0};
  float std[4] = {1, 1, 1, 1};
  Layout layout = Layout::kCHW;
  // Seeded augmentation, fixed per (seed, epoch, index).
  bool random_resized_crop = false;
  double rrc_scale[2] = {0.08, 1.0};
  double rrc_ratio[2] = {3.0 / 4.0, 4.0 / 3.0};
  double hflip = 0.0;  // probability of a horizontal flip
  uint32_t seed = 0;
};

inline int bytes_per_value(OutType t) { return t == OutType::kUint8 ? 1 : t == OutType::kFloat16 ? 2 : 4; }

}  // namespace tl
