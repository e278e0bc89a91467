// The floors of one ImageNet-style JPEG item (a ~500x375 JPEG -> Resize(256) + CenterCrop(224),
// bilinear, float32 CHW normalised): what each stage alone costs per item on one core, against
// the whole item (ImageSource::fill, what the loader's pool threads run). Stages, each timed
// over the same files with their inputs prepared beforehand:
//   read          read_whole_file (open, read, close; page cache warm)
//   decode full   libjpeg-turbo at 8/8 (the exact mode's decode)
//   decode scaled libjpeg-turbo at the M/8 the fast mode picks (the default; 8/8 when even 4/8
//                 would leave fewer than 256 rows, as for 500x375), and at every M/8
//   resample      the scaled image -> the 224x224 crop (PIL's two passes, crop rows/cols only)
//   convert       224 rows of uint8 HWC -> float32 CHW, scale/mean/std (PixelWriter)
// Each figure is the fastest of many rounds over the files. Prints one JSON line
// (microseconds per item) for bench/run.ts.
//   tl_jpeg_floors DIR [FILES] [SECONDS_PER_STAGE]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/file_reader.h"
#include "core/image_source.h"
#include "core/jpeg_decoder.h"
#include "core/pixel_writer.h"
#include "core/resample.h"
#include "core/worker_scratch.h"
#include "floor_timer.h"
#include "floors_common.h"

namespace {

using floors::g_sink;
using tl_bench::per_item_us;

constexpr int kOut = 224;
constexpr int kResize = 256;

// The M/8 the pipeline's fast mode picks for Resize(256): the short side at least 256.
int fast_scale(int w, int h) {
  const double s = static_cast<double>(kResize) / std::min(w, h);
  return tl::jpeg_scale_for(w, h, w * s, h * s);
}

struct Decoded {
  std::vector<uint8_t> pixels;
  tl::JpegImage image;
};

}  // namespace

int main(int argc, char** argv) {
  floors::Args args;
  if (!floors::parse_args(argc, argv, "tl_jpeg_floors", ".jpg", 200, args)) return 1;
  const std::vector<std::string>& paths = args.paths;
  const double seconds = args.seconds;
  const size_t n = paths.size();
  tl::ReadOptions ro;
  std::vector<char> buffer;
  std::vector<std::vector<uint8_t>> files(n);
  std::vector<Decoded> scaled(n);
  const tl::JpegLimits limits;
  for (size_t i = 0; i < n; ++i) {
    tl::FileBytes fb;
    if (!tl::read_whole_file(paths[i].c_str(), buffer, ro, fb).ok()) return 1;
    files[i].assign(fb.data(), fb.data() + fb.size());
    bool handled = false;
    const tl::ItemStatus s = tl::decode_jpeg(files[i].data(), files[i].size(), limits, fast_scale, scaled[i].pixels,
                                             scaled[i].image, &handled);
    if (!handled || !s.ok()) {
      std::fprintf(stderr, "%s: not a JPEG the direct decoder reads\n", paths[i].c_str());
      return 1;
    }
  }

  const double read_us = per_item_us(n, seconds, [&](size_t i) {
    tl::FileBytes fb;
    (void)tl::read_whole_file(paths[i].c_str(), buffer, ro, fb);
    g_sink = g_sink + fb.size();
  });
  Decoded d;
  bool handled = false;
  auto decode_at = [&](auto&& choose) {
    return per_item_us(n, seconds, [&](size_t i) {
      (void)tl::decode_jpeg(files[i].data(), files[i].size(), limits, choose, d.pixels, d.image, &handled);
      g_sink = g_sink + d.pixels[d.pixels.size() / 2];
    });
  };
  const double full_us = decode_at([](int, int) { return 8; });
  const double scaled_us = decode_at(fast_scale);
  // Every scale: what each costs here (why the fast mode uses only 1/8, 2/8 and 4/8).
  std::string by_scale;
  for (int m = 1; m <= 8; ++m) {
    const double us = decode_at([m](int, int) { return m; });
    by_scale += (m > 1 ? "," : "") + std::to_string(us);
  }
  double scale_sum = 0;
  for (const Decoded& s : scaled) scale_sum += s.image.scale_num;

  tl::ImageOptions o;
  o.width = o.height = kOut;
  o.fit = tl::Fit::kCover;
  o.crop_fraction = static_cast<double>(kOut) / kResize;
  o.filter = tl::Filter::kBilinear;
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float stdev[3] = {0.229f, 0.224f, 0.225f};
  for (int c = 0; c < 3; ++c) {
    o.mean[c] = mean[c];
    o.std[c] = stdev[c];
  }
  const tl::PixelWriter writer(o);
  std::vector<uint8_t> slot(writer.item_bytes());
  tl::ResampleScratch rs;
  std::vector<uint8_t> rows(static_cast<size_t>(kOut) * kOut * 3);
  // The geometry of the pipeline's resample_cover, on the file's size, mapped onto the plane.
  const double resample_us = per_item_us(n, seconds, [&](size_t i) {
    const tl::JpegImage& im = scaled[i].image;
    const tl::Plane plane{scaled[i].pixels.data(), static_cast<size_t>(im.width) * 3, im.width, im.height, 3};
    const int sw = im.src_width;
    const int sh = im.src_height;
    const int rw = sw <= sh ? kResize : static_cast<int>(static_cast<double>(kResize) * sw / sh);
    const int rh = sw <= sh ? static_cast<int>(static_cast<double>(kResize) * sh / sw) : kResize;
    const double f = im.scale_num / 8.0;
    tl::resample(plane, 0, 0, sw * f, sh * f, rw, rh, static_cast<int>(std::nearbyint((rw - kOut) / 2.0)), kOut,
                 static_cast<int>(std::nearbyint((rh - kOut) / 2.0)), kOut, tl::Filter::kBilinear, rs,
                 [&](int y, const uint8_t* row) { std::memcpy(&rows[static_cast<size_t>(y) * kOut * 3], row, kOut * 3); });
    g_sink = g_sink + rows[100];
  });
  const double convert_us = per_item_us(n, seconds, [&](size_t) {
    for (int y = 0; y < kOut; ++y) writer.write_row(rows.data() + static_cast<size_t>(y) * kOut * 3, y, false, slot.data());
    g_sink = g_sink + slot[slot.size() / 2];
  });

  auto item_with = [&](bool shrink) {
    o.shrink_on_load = shrink;
    const tl::ImageSource source(paths, o);
    tl::WorkerScratch scratch;
    return per_item_us(n, seconds, [&](size_t i) {
      (void)source.fill(tl::ItemRef{static_cast<uint32_t>(i), 0}, slot.data(), scratch);
      g_sink = g_sink + slot[7];
    });
  };
  const double item_us = item_with(true);
  const double item_exact_us = item_with(false);

  std::printf(
      "{\"files\":%zu,\"meanScale\":%.3f,\"readUs\":%.3f,\"decodeFullUs\":%.3f,\"decodeScaledUs\":%.3f,"
      "\"decodeByScaleUs\":[%s],\"resampleUs\":%.3f,\"convertUs\":%.3f,\"itemUs\":%.3f,"
      "\"itemExactUs\":%.3f}\n",
      n, scale_sum / static_cast<double>(n), read_us, full_us, scaled_us, by_scale.c_str(), resample_us,
      convert_us, item_us, item_exact_us);
  return 0;
}
