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
// header cannot be read, ETOOLARGE when width * height is over max_pixels (`img` is then set
// too, and the caller drops it).
ItemStatus open_image_header(const char* data, size_t size, uint64_t max_pixels, ImageRef& img, bool* is_jpeg);

}  // namespace tl
