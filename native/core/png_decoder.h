// A direct decoder for the PNGs that make up most small training sets: 8-bit grey, grey+alpha,
// RGB and RGBA, not interlaced, no palette, no transparency key, no EXIF. It inflates straight
// into a reused buffer (libdeflate for a single IDAT chunk, zlib's streaming inflate otherwise
// and for anything libdeflate does not decode to exactly the declared size) and unfilters. Everything else is left to
// libvips (the caller falls back when `handled` is false).
//
// Why: libvips builds a graph of GObjects for every image and serialises on process-wide
// locks (signal emission, tracked allocations). For a small PNG (the seed's Example 2 is
// 100x100) that is most of the decode, and two threads decode no faster than one; this path
// is several times faster and scales with threads (the bench's Example 2 comparison).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace tl {

struct PngImage {
  uint32_t width = 0;
  uint32_t height = 0;
  int channels = 0;  // 1, 2, 3 or 4 interleaved uint8 values per pixel
};

struct PngLimits {
  uint64_t max_pixels = 268402689;
  // The most the decode may allocate: the inflated rows plus the unfiltered pixels.
  uint64_t max_bytes = UINT64_MAX;
};

// Decodes `data` into `pixels` (height rows of width * channels bytes). Sets *handled to false,
// touching nothing else, when the file is not a PNG this decoder takes; otherwise returns its
// verdict: ok, ETOOLARGE (over max_pixels or max_bytes, from the header), or EDECODE (corrupt
// or truncated). `raw` grows with the inflated data, never to the header's size ahead of it,
// so a tiny file declaring a huge image costs what it holds, not what it declares.
ItemStatus decode_png(const uint8_t* data, size_t size, const PngLimits& limits, std::vector<uint8_t>& pixels,
                      std::vector<uint8_t>& raw, PngImage& image, bool* handled);

}  // namespace tl
