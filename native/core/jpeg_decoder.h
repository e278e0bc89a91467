// A direct JPEG decoder (libjpeg-turbo, linked statically into the addon) for the baseline and
// progressive 8-bit grey, YCbCr and RGB JPEGs that make up photo datasets. It decodes straight
// into a reused buffer, optionally at a reduced DCT scale of M/8 (libjpeg-turbo's scaled
// inverse DCTs, M = 1..8; the pipeline picks among the fast ones, see jpeg_scale_for).
// CMYK/YCCK JPEGs, 12-bit JPEGs and JPEGs with an EXIF orientation to apply are left to libvips
// (the caller falls back when `handled` is false).
//
// libjpeg reports errors through error_exit, which must not return: here it longjmps back into
// the decoder (no C++ object lives in the frames it unwinds), so a corrupt file is an
// ItemStatus, never an abort or an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/image_options.h"
#include "core/status.h"

namespace tl {

struct JpegLimits {
  uint64_t max_pixels = 268402689;
  // The most the decode may allocate, counted on the file's declared size whatever the scale
  // (as libvips' header check counts it): the pixels, a converted copy of them when the
  // pipeline's channels differ (out_channels), and libjpeg's whole-image coefficient buffer for
  // progressive files.
  uint64_t max_bytes = UINT64_MAX;
  int out_channels = 0;
  FailOn fail_on = FailOn::kWarning;  // as libvips' fail_on: truncated data, then any warning
  // Progressive scans allowed: each is a pass over the whole coefficient buffer, so a few KB of
  // hostile scans could otherwise cost seconds (libjpeg-turbo's own tools cap them too).
  int max_scans = 1000;
  bool autorotate = true;  // a file with an EXIF orientation to apply is left to libvips
};

struct JpegImage {
  int width = 0;   // of the decoded (scaled) image
  int height = 0;
  int channels = 0;  // 1 (grey) or 3 (RGB)
  int src_width = 0;   // of the file
  int src_height = 0;
  int scale_num = 8;   // decoded at scale_num / 8
};

// The smallest M of 1, 2, 4 (else 8) such that a width x height image decoded at M/8 is still
// at least need_w x need_h (fractional targets allowed), as libjpeg rounds scaled sizes (up).
// Not 3, 5, 6 or 7: libjpeg-turbo's IDCTs at those scales are plain C, and measured slower than
// its SIMD full decode (bench/native/jpeg_floors.cc prints the decode time at every scale).
int jpeg_scale_for(int width, int height, double need_w, double need_h);

// Decodes `data` at scale_num/8 into `pixels` (height rows of width * channels bytes).
// `choose_scale`, called with the file's width and height once the header is read, returns
// scale_num (1..8; 8 is the full decode). Sets *handled to false, touching nothing else, when
// the file is not a JPEG this decoder takes; otherwise returns its verdict: ok, ETOOLARGE (over
// max_pixels or max_bytes, from the header), or EDECODE (corrupt, truncated, over max_scans,
// or a warning under fail_on).
template <typename ChooseScale>
ItemStatus decode_jpeg(const uint8_t* data, size_t size, const JpegLimits& limits, ChooseScale&& choose_scale,
                       std::vector<uint8_t>& pixels, JpegImage& image, bool* handled);

// The non-template core of decode_jpeg: `choose` is called as choose(ctx, width, height).
ItemStatus decode_jpeg_impl(const uint8_t* data, size_t size, const JpegLimits& limits,
                            int (*choose)(void* ctx, int width, int height), void* ctx, std::vector<uint8_t>& pixels,
                            JpegImage& image, bool* handled);

template <typename ChooseScale>
ItemStatus decode_jpeg(const uint8_t* data, size_t size, const JpegLimits& limits, ChooseScale&& choose_scale,
                       std::vector<uint8_t>& pixels, JpegImage& image, bool* handled) {
  // A copy, so plain functions work as well as lambdas (whose captures are references here).
  std::decay_t<ChooseScale> fn = choose_scale;
  using F = decltype(fn);
  auto call = [](void* ctx, int w, int h) { return (*static_cast<F*>(ctx))(w, h); };
  return decode_jpeg_impl(data, size, limits, call, &fn, pixels, image, handled);
}

}  // namespace tl
