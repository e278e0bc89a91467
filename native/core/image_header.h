// The image path up to libvips' entry, on a byte buffer: which loader takes the bytes, the
// header (size, bands, orientation) and the pixel limit. No pixel is decoded here, so the
// limit stops a decompression bomb before any pixel buffer exists. Factored out of
// ImageSource so the fuzz target (native/fuzz/image_header_fuzz.cc) runs exactly this code.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "core/vips_ref.h"

namespace tl {

// libvips must be started (vips_runtime_init). On success `img` holds the header-only image,
// which borrows `data` (keep it alive while `img` lives), and *is_jpeg says whether the JPEG
// loader took it. EFORMAT when no libvips loader recognises the first bytes, EDECODE when the
// header cannot be read, ETOOLARGE when width * height is over max_pixels or the decoded image
// (width * height * bands * bytes per band, as the header declares it) is over max_bytes
// (`img` is then set too, and the caller drops it). fail_on is libvips' for the decode that
// follows (a header alone never fails on a warning).
struct HeaderLimits {
  uint64_t max_pixels = 268402689;
  uint64_t max_bytes = UINT64_MAX;
  VipsFailOn fail_on = VIPS_FAIL_ON_WARNING;
  int out_channels = 0;  // the pipeline's channels: a converted copy is counted when the bands differ
};
ItemStatus open_image_header(const char* data, size_t size, const HeaderLimits& limits, ImageRef& img, bool* is_jpeg);

}  // namespace tl
