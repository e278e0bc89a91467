// The floors of one Example 2 item (a 100x100 RGB PNG -> 64x64 float32 CHW): what each stage
// alone costs per item on one core, against the whole item (ImageSource::fill, the pipeline
// the loader's pool threads run). Stages, each timed over the same files with their inputs
// prepared beforehand:
//   read      read_whole_file (open, read, close; page cache warm)
//   inflate   libdeflate's whole-buffer inflate of the IDAT data into the filtered rows, as
//             the decoder does for a single IDAT (zlib's streaming inflate printed beside it)
//   unfilter  undoing the row filters (the kernel simd_level() picks, and the scalar one)
//   resample  the bicubic 100x100 -> 64x64 (PIL's two passes)
//   convert   uint8 HWC rows -> float32 CHW / 255 (PixelWriter)
// Each figure is the fastest of many rounds over the files (see per_item_us). Prints one JSON
// line (microseconds per item) for bench/run.ts.
//   tl_item_floors DIR [FILES] [SECONDS_PER_STAGE]
#include <libdeflate.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/file_reader.h"
#include "core/image_source.h"
#include "core/pixel_writer.h"
#include "core/resample.h"
#include "core/simd/unfilter.h"
#include "core/vips_runtime.h"
#include "core/worker_scratch.h"
#include "floor_timer.h"

namespace {

volatile uint64_t g_sink = 0;
using tl_bench::per_item_us;

uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }

struct Png {
  uint32_t width = 0, height = 0;
  size_t bpp = 0;
  std::vector<uint8_t> idat;  // the concatenated IDAT data
};

bool parse(const std::vector<char>& file, Png& png) {
  const auto* d = reinterpret_cast<const uint8_t*>(file.data());
  if (file.size() < 33 || std::memcmp(d + 12, "IHDR", 4) != 0 || d[24] != 8) return false;
  png.width = be32(d + 16);
  png.height = be32(d + 20);
  const uint8_t colour = d[25];
  png.bpp = colour == 2 ? 3 : colour == 6 ? 4 : colour == 0 ? 1 : colour == 4 ? 2 : 0;
  if (png.bpp == 0) return false;
  for (size_t pos = 33; pos + 12 <= file.size();) {
    const uint32_t len = be32(d + pos);
    if (len > file.size() - pos - 12) return false;
    if (std::memcmp(d + pos + 4, "IDAT", 4) == 0) png.idat.insert(png.idat.end(), d + pos + 8, d + pos + 8 + len);
    pos += size_t{len} + 12;
  }
  return !png.idat.empty();
}

bool inflate_into(const Png& png, std::vector<uint8_t>& raw) {
  raw.resize((png.width * png.bpp + 1) * png.height);
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return false;
  z.next_in = const_cast<uint8_t*>(png.idat.data());
  z.avail_in = static_cast<uInt>(png.idat.size());
  z.next_out = raw.data();
  z.avail_out = static_cast<uInt>(raw.size());
  const int r = inflate(&z, Z_FINISH);
  inflateEnd(&z);
  return r == Z_STREAM_END;
}

bool inflate_whole(libdeflate_decompressor* d, const Png& png, std::vector<uint8_t>& raw) {
  raw.resize((png.width * png.bpp + 1) * png.height);
  size_t got = 0;
  return libdeflate_zlib_decompress(d, png.idat.data(), png.idat.size(), raw.data(), raw.size(), &got) ==
             LIBDEFLATE_SUCCESS &&
         got == raw.size();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tl_item_floors DIR [FILES] [SECONDS_PER_STAGE]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const size_t want = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 500;
  const double seconds = argc > 3 ? std::strtod(argv[3], nullptr) : 0.5;
  std::string error;
  if (!tl::vips_runtime_init(&error)) {
    std::fprintf(stderr, "libvips: %s\n", error.c_str());
    return 1;
  }
  std::vector<std::string> paths;
  for (size_t i = 0; i < want; ++i) {
    const std::string p = dir + "/img_" + std::to_string(i) + ".png";
    if (!std::filesystem::exists(p)) break;
    paths.push_back(p);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "no img_N.png files in %s\n", dir.c_str());
    return 1;
  }
  const size_t n = paths.size();
  tl::ReadOptions ro;
  std::vector<char> buffer;
  std::vector<Png> pngs(n);
  std::vector<std::vector<uint8_t>> raws(n), pixels(n);
  for (size_t i = 0; i < n; ++i) {
    tl::FileBytes fb;
    if (!tl::read_whole_file(paths[i].c_str(), buffer, ro, fb).ok()) return 1;
    std::vector<char> file(fb.data(), fb.data() + fb.size());
    if (!parse(file, pngs[i]) || !inflate_into(pngs[i], raws[i])) {
      std::fprintf(stderr, "%s: not an 8-bit PNG this bench reads\n", paths[i].c_str());
      return 1;
    }
    const size_t stride = pngs[i].width * pngs[i].bpp;
    pixels[i].resize(stride * pngs[i].height);
    if (!tl::unfilter_rows(raws[i].data(), pixels[i].data(), stride, pngs[i].height, pngs[i].bpp)) return 1;
  }

  const double read_us = per_item_us(n, seconds, [&](size_t i) {
    tl::FileBytes fb;
    (void)tl::read_whole_file(paths[i].c_str(), buffer, ro, fb);
    g_sink = g_sink + fb.size();
  });
  std::vector<uint8_t> raw;
  const double inflate_zlib_us = per_item_us(n, seconds, [&](size_t i) {
    (void)inflate_into(pngs[i], raw);
    g_sink = g_sink + raw[raw.size() / 2];
  });
  libdeflate_decompressor* decompressor = libdeflate_alloc_decompressor();
  if (decompressor == nullptr) return 1;
  const double inflate_us = per_item_us(n, seconds, [&](size_t i) {
    (void)inflate_whole(decompressor, pngs[i], raw);
    g_sink = g_sink + raw[raw.size() / 2];
  });
  libdeflate_free_decompressor(decompressor);
  std::vector<uint8_t> out;
  auto unfilter_with = [&](tl::UnfilterRowFn fn) {
    return per_item_us(n, seconds, [&](size_t i) {
      const Png& p = pngs[i];
      const size_t stride = p.width * p.bpp;
      out.resize(stride * p.height);
      const uint8_t* r = raws[i].data();
      const uint8_t* prev = nullptr;
      for (uint32_t y = 0; y < p.height; ++y, r += stride + 1) {
        fn(r[0], r + 1, prev, out.data() + y * stride, stride, p.bpp);
        prev = out.data() + y * stride;
      }
      g_sink = g_sink + out[out.size() / 2];
    });
  };
  const double unfilter_us = unfilter_with(tl::unfilter_row_kernel(tl::simd_level()));
  const double unfilter_scalar_us = unfilter_with(tl::unfilter_row_scalar);

  tl::ImageOptions o;
  o.width = o.height = 64;
  const tl::PixelWriter writer(o);
  std::vector<uint8_t> slot(writer.item_bytes());
  tl::ResampleScratch rs;
  std::vector<uint8_t> rows(64 * 64 * 3);
  const double resample_us = per_item_us(n, seconds, [&](size_t i) {
    const Png& p = pngs[i];
    const tl::Plane plane{pixels[i].data(), p.width * p.bpp, static_cast<int>(p.width), static_cast<int>(p.height), 3};
    tl::resample(plane, 0, 0, p.width, p.height, 64, 64, 0, 64, 0, 64, tl::Filter::kBicubic, rs,
                 [&](int y, const uint8_t* row) { std::memcpy(&rows[static_cast<size_t>(y) * 64 * 3], row, 64 * 3); });
    g_sink = g_sink + rows[100];
  });
  const double convert_us = per_item_us(n, seconds, [&](size_t i) {
    const uint8_t* src = pixels[i].data();  // any 64x64x3 bytes: the conversion is data-independent
    for (int y = 0; y < 64; ++y) writer.write_row(src + static_cast<size_t>(y) * 64 * 3, y, false, slot.data());
    g_sink = g_sink + slot[slot.size() / 2];
  });

  const tl::ImageSource source(paths, o);
  tl::WorkerScratch scratch;
  const double item_us = per_item_us(n, seconds, [&](size_t i) {
    (void)source.fill(tl::ItemRef{static_cast<uint32_t>(i), 0}, slot.data(), scratch);
    g_sink = g_sink + slot[7];
  });

  std::printf(
      "{\"simd\":\"%s\",\"files\":%zu,\"readUs\":%.3f,\"inflateUs\":%.3f,\"inflateZlibUs\":%.3f,\"unfilterUs\":%.3f,\"unfilterScalarUs\":%.3f,"
      "\"resampleUs\":%.3f,\"convertUs\":%.3f,\"itemUs\":%.3f}\n",
      tl::simd_level_name(tl::simd_level()), n, read_us, inflate_us, inflate_zlib_us, unfilter_us, unfilter_scalar_us, resample_us,
      convert_us, item_us);
  return 0;
}
