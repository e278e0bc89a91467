#include "core/image_pipeline.h"

#include <vips/vips.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/allocator_tuning.h"
#include "core/image_header.h"
#include "core/item_rng.h"
#include "core/jpeg_decoder.h"
#include "core/png_decoder.h"
#include "core/resample.h"
#include "core/stage_times.h"
#include "core/vips_ref.h"

namespace tl {
namespace {


// Per pool thread, reused for every image: converted pixels and resampler buffers. A
// thread_local keeps WorkerScratch (shared by all sources) free of image-only state.
struct ImageScratch {
  std::vector<uint8_t> decoded;  // direct PNG decoder output
  std::vector<uint8_t> raw;      // its inflated, still filtered rows
  std::vector<uint8_t> pixels;   // after channel conversion
  std::vector<uint8_t> row;
  ResampleScratch resample;
};
thread_local ImageScratch t_scratch;

// What a pool thread keeps between items: buffers up to this size are reused (the steady
// state of a training set allocates nothing); anything larger, left by one big or hostile
// item, is given back after it, so a thread's retained memory stays small whatever it read.
constexpr size_t kScratchKeepBytes = size_t{4} << 20;

template <typename T>
bool trim_vector(std::vector<T>& v) {
  if (v.capacity() * sizeof(T) <= kScratchKeepBytes) return false;
  std::vector<T>().swap(v);
  return true;
}

struct TrimOnExit {
  ImageScratch& ts;
  bool force = false;  // release the free heap even when no scratch was trimmed
  ~TrimOnExit() {
    bool trimmed = trim_vector(ts.decoded);
    trimmed = trim_vector(ts.raw) || trimmed;
    trimmed = trim_vector(ts.pixels) || trimmed;
    trimmed = trim_vector(ts.row) || trimmed;
    trimmed = trim_vector(ts.resample.temp) || trimmed;
    trimmed = trim_vector(ts.resample.row) || trimmed;
    trimmed = trim_vector(ts.resample.acc) || trimmed;
    // Blocks under the mmap threshold (allocator_tuning raises it) go back to the heap, not
    // to the system: hand the heap's free top back too.
    if (trimmed || force) release_free_heap();
  }
};

VipsFailOn vips_fail_on(FailOn f) {
  switch (f) {
    case FailOn::kNone: return VIPS_FAIL_ON_NONE;
    case FailOn::kTruncated: return VIPS_FAIL_ON_TRUNCATED;
    case FailOn::kError: return VIPS_FAIL_ON_ERROR;
    case FailOn::kWarning: return VIPS_FAIL_ON_WARNING;
  }
  return VIPS_FAIL_ON_WARNING;
}

// The item's decode limits: the dataset's, tightened (never loosened) by the loader's cap.
HeaderLimits limits_of(const ImageOptions& o, const ItemRef& item) {
  HeaderLimits limits;
  limits.max_pixels = o.max_pixels;
  limits.max_bytes = item.max_item_bytes != 0 ? std::min(item.max_item_bytes, o.max_item_bytes) : o.max_item_bytes;
  limits.fail_on = vips_fail_on(o.fail_on);
  limits.out_channels = o.channels;
  return limits;
}

ItemStatus vips_fail(const char* step) {
  return ItemStatus::error(Code::kDecode, std::string(step) + ": " + take_vips_error());
}

template <typename Op>
ItemStatus apply(ImageRef& img, const char* step, Op op) {
  ImageRef out;
  if (op(img.get(), out.out()) != 0) return vips_fail(step);
  img = std::move(out);
  return {};
}

inline double dbl(int64_t v) { return static_cast<double>(v); }

// Source pixels per output pixel on each axis the geometry needs: a crop's own, or for cover and
// contain the scale of the whole oriented image (ow x oh).
void shrink_room(const ImageOptions& o, const CropBox& box, int64_t ow, int64_t oh, double& need_x, double& need_y) {
  need_x = dbl(box.width) / o.width;
  need_y = dbl(box.height) / o.height;
  if (!o.random_resized_crop && o.fit != Fit::kFill) {
    const double fx = dbl(o.width) / dbl(ow);
    const double fy = dbl(o.height) / dbl(oh);
    need_x = need_y = 1.0 / (o.fit == Fit::kCover ? std::max(fx, fy) / o.crop_fraction : std::min(fx, fy));
  }
}

// Largest JPEG shrink-on-load factor (1, 2, 4 or 8) that still leaves at least twice the
// pixels the resize needs on both axes, so the antialiasing filter keeps real detail.
int jpeg_shrink(double need_x, double need_y) {
  const double room = std::min(need_x, need_y) / 2.0;
  int k = 1;
  while (k < 8 && 2.0 * k <= room) k *= 2;
  return k;
}

// Python's round(): half to even, as torchvision uses it for crop offsets.
int64_t round_half_even(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

// PIL's ITU-R 601-2 luma (convert('L')), in its fixed point.
inline uint8_t luma(uint32_t r, uint32_t g, uint32_t b) {
  return static_cast<uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}
inline uint8_t over(uint32_t v, uint32_t a, uint32_t bg) {
  return static_cast<uint8_t>((v * a + bg * (255u - a) + 127u) / 255u);
}

// Decoded pixels (bands 1-4: grey, grey+alpha, RGB, RGBA) to the output's channels, into
// `out`. Alpha is flattened onto `bg` unless 4 channels are wanted.
void convert_channels(const uint8_t* src, size_t stride, int w, int h, int bands, int channels, const uint8_t bg[3],
                      std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(w) * static_cast<size_t>(h) * static_cast<size_t>(channels));
  const uint8_t bg_luma = luma(bg[0], bg[1], bg[2]);
  uint8_t* o = out.data();
  for (int y = 0; y < h; ++y) {
    const uint8_t* p = src + static_cast<size_t>(y) * stride;
    for (int x = 0; x < w; ++x, p += bands) {
      uint8_t r, g, b, a;
      if (bands <= 2) {
        r = g = b = p[0];
        a = bands == 2 ? p[1] : 255;
      } else {
        r = p[0];
        g = p[1];
        b = p[2];
        a = bands == 4 ? p[3] : 255;
      }
      if (channels == 4) {
        *o++ = r;
        *o++ = g;
        *o++ = b;
        *o++ = a;
        continue;
      }
      if (a != 255) {
        if (channels == 1 && bands <= 2) {
          *o++ = over(r, a, bg_luma);
          continue;
        }
        r = over(r, a, bg[0]);
        g = over(g, a, bg[1]);
        b = over(b, a, bg[2]);
      }
      if (channels == 1) {
        *o++ = bands <= 2 ? r : luma(r, g, b);
      } else {
        *o++ = r;
        *o++ = g;
        *o++ = b;
      }
    }
  }
}

// libvips reads everything the direct PNG decoder does not: JPEG (with shrink-on-load),
// WebP, GIF, TIFF, AVIF/HEIF, palette and 16-bit PNGs, CMYK and other colour spaces. The
// header is read first (the pixel limit is checked there, before any decoding), then the
// pixels are pulled through a region on this thread. `draw` picks the crop and flip from the
// oriented size, which the JPEG shrink factor depends on.
template <typename Draw>
ItemStatus decode_with_vips(const char* data, size_t size, const ImageOptions& o, const HeaderLimits& limits, Draw&& draw,
                            const CropBox& box, ImageRef& img, RegionRef& region, Plane& plane, int64_t& ow, int64_t& oh,
                            double& scale) {
  bool is_jpeg = false;
  ItemStatus header = open_image_header(data, size, limits, img, &is_jpeg);
  if (!header.ok()) return header;
  void* buf = const_cast<char*>(data);
  const int64_t sw = img.get()->Xsize;
  const int64_t sh = img.get()->Ysize;
  const int orientation = o.autorotate ? vips_image_get_orientation(img.get()) : 1;
  const bool swap = o.autorotate && vips_image_get_orientation_swap(img.get());
  ow = swap ? sh : sw;
  oh = swap ? sw : sh;
  draw(ow, oh);

  if (is_jpeg && o.shrink_on_load) {
    double need_x = 0;
    double need_y = 0;
    shrink_room(o, box, ow, oh, need_x, need_y);
    const int k = jpeg_shrink(need_x, need_y);
    if (k > 1) {
      scale = 1.0 / k;
      img.reset();
      if (vips_jpegload_buffer(buf, size, img.out(), "shrink", k, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                               limits.fail_on, nullptr) != 0) {
        return vips_fail("cannot read the JPEG");
      }
    }
  }
  ItemStatus s;
  if (orientation > 1) {
    s = apply(img, "autorotate", [](VipsImage* in, VipsImage** out) { return vips_autorot(in, out, nullptr); });
    if (!s.ok()) return s;
  }
  // A palette's alpha comes from its tRNS chunk, which PIL's convert('RGB') and convert('L')
  // ignore: drop it unless RGBA is wanted (convert('RGBA') keeps it).
  if (o.channels != 4 && (img.get()->Bands == 2 || img.get()->Bands == 4) &&
      vips_image_get_typeof(img.get(), VIPS_META_PALETTE) != 0) {
    const int bands = img.get()->Bands - 1;
    s = apply(img, "palette transparency", [bands](VipsImage* i, VipsImage** out) {
      return vips_extract_band(i, out, 0, "n", bands, nullptr);
    });
    if (!s.ok()) return s;
  }
  // Uncommon encodings (CMYK, Lab, 16-bit, float, more than 4 bands) go through libvips'
  // colour machinery to 8-bit sRGB; the common ones (8-bit grey/RGB with or without alpha,
  // palettes are already expanded) are converted by convert_channels, in one pass.
  VipsImage* in = img.get();
  const bool plain = in->BandFmt == VIPS_FORMAT_UCHAR && in->Bands <= 4 &&
                     (in->Type == VIPS_INTERPRETATION_sRGB || in->Type == VIPS_INTERPRETATION_B_W ||
                      in->Type == VIPS_INTERPRETATION_RGB || in->Type == VIPS_INTERPRETATION_MULTIBAND);
  if (!plain) {
    if (in->Type == VIPS_INTERPRETATION_RGB16 || in->Type == VIPS_INTERPRETATION_GREY16 ||
        in->BandFmt == VIPS_FORMAT_USHORT) {
      s = apply(img, "16-bit to 8-bit", [](VipsImage* i, VipsImage** out) {
        return vips_cast(i, out, VIPS_FORMAT_UCHAR, "shift", TRUE, nullptr);
      });
    } else {
      s = apply(img, "colour conversion", [](VipsImage* i, VipsImage** out) {
        return vips_colourspace(i, out, VIPS_INTERPRETATION_sRGB, nullptr);
      });
      if (s.ok() && img.get()->BandFmt != VIPS_FORMAT_UCHAR) {
        s = apply(img, "8-bit conversion", [](VipsImage* i, VipsImage** out) { return vips_cast_uchar(i, out, nullptr); });
      }
    }
    if (!s.ok()) return s;
    in = img.get();
    if (in->Bands > 4) return ItemStatus::error(Code::kDecode, "image has " + std::to_string(in->Bands) + " bands");
  }
  region = RegionRef(vips_region_new(in));
  VipsRect rect{0, 0, in->Xsize, in->Ysize};
  if (!region || vips_region_prepare(region.get(), &rect) != 0) return vips_fail("decoding");
  plane = Plane{reinterpret_cast<const uint8_t*>(VIPS_REGION_ADDR(region.get(), 0, 0)),
                static_cast<size_t>(VIPS_REGION_LSKIP(region.get())), in->Xsize, in->Ysize, in->Bands};
  return {};
}


// One decoded image and what the item's draw chose: the pixels (a view of the PNG or JPEG
// decoder's buffer or of the libvips region, which must live as long as the view), the
// oriented size (the frame of `box`), the scale it was decoded at (plane pixels per oriented
// pixel: 1, or M/8 for a JPEG decoded at a reduced DCT scale), and the crop and flip.
struct Decoded {
  Plane plane{};
  int64_t ow = 0;
  int64_t oh = 0;
  double scale = 1.0;
  CropBox box{};
  bool flip = false;
  ImageRef img;
  RegionRef region;
};

// Decodes `data` and draws the item's crop and flip. The crop and flip of an item depend only
// on (seed, epoch, index) and the oriented size, whichever decoder runs.
ItemStatus decode_image(const char* data, size_t size, const ImageOptions& o, const ItemRef& item, ImageScratch& ts,
                        Decoded& d) {
  const HeaderLimits limits = limits_of(o, item);
  ItemRng rng(o.seed, item.epoch, item.index);
  auto draw = [&](int64_t ow, int64_t oh) {
    d.box = CropBox{0, 0, ow, oh};
    if (o.random_resized_crop) d.box = random_resized_crop(rng, ow, oh, o.rrc_scale, o.rrc_ratio);
    d.flip = o.hflip > 0 && rng.uniform() < o.hflip;
  };
  bool handled = false;
  JpegLimits jl;
  jl.max_pixels = o.max_pixels;
  jl.max_bytes = limits.max_bytes;
  jl.out_channels = o.channels;
  jl.fail_on = o.fail_on;
  jl.autorotate = o.autorotate;
  // The crop is drawn from the file's size (no orientation to apply on this path); the DCT
  // scale is then the smallest one that leaves at least the pixels the geometry resamples to
  // (jpeg_scale_for).
  auto choose = [&](int w, int h) {
    d.ow = w;
    d.oh = h;
    draw(w, h);
    if (!o.shrink_on_load) return 8;
    double need_x = 0;
    double need_y = 0;
    shrink_room(o, d.box, w, h, need_x, need_y);
    return jpeg_scale_for(w, h, dbl(w) / need_x, dbl(h) / need_y);
  };
  JpegImage jpeg;
  ItemStatus s = decode_jpeg(reinterpret_cast<const uint8_t*>(data), size, jl, choose, ts.decoded, jpeg, &handled);
  if (handled) {
    if (!s.ok()) return s;
    d.scale = jpeg.scale_num / 8.0;
    d.plane = Plane{ts.decoded.data(), static_cast<size_t>(jpeg.width) * static_cast<size_t>(jpeg.channels), jpeg.width,
                    jpeg.height, jpeg.channels};
    return {};
  }
  PngImage png;
  s = decode_png(reinterpret_cast<const uint8_t*>(data), size, PngLimits{o.max_pixels, limits.max_bytes}, ts.decoded,
                 ts.raw, png, &handled);
  if (!handled) return decode_with_vips(data, size, o, limits, draw, d.box, d.img, d.region, d.plane, d.ow, d.oh, d.scale);
  if (!s.ok()) return s;
  d.ow = png.width;
  d.oh = png.height;
  draw(d.ow, d.oh);
  d.plane = Plane{ts.decoded.data(), static_cast<size_t>(png.width) * static_cast<size_t>(png.channels),
                  static_cast<int>(png.width), static_cast<int>(png.height), png.channels};
  return {};
}

// The plane with the output's channels (converted into ts.pixels when they differ).
Plane with_channels(const Plane& plane, const ImageOptions& o, ImageScratch& ts) {
  if (plane.channels == o.channels) return plane;
  const uint8_t bg[3] = {static_cast<uint8_t>(o.background[0]), static_cast<uint8_t>(o.background[1]),
                         static_cast<uint8_t>(o.background[2])};
  convert_channels(plane.data, plane.stride, plane.width, plane.height, plane.channels, o.channels, bg, ts.pixels);
  return Plane{ts.pixels.data(), static_cast<size_t>(plane.width) * static_cast<size_t>(o.channels), plane.width,
               plane.height, o.channels};
}

// The geometry is computed on the oriented image's own size (cw x ch) and applied to the part
// of the plane that covers it ([0, ex) x [0, ey), fractional when the plane is a JPEG decoded
// at a reduced scale, whose size libjpeg rounds up), so a scaled decode samples the same
// places as a full one.
struct Frame {
  int64_t cw;
  int64_t ch;
  double ex;
  double ey;
};

// torchvision's Resize(short side) + CenterCrop: the short side is scaled exactly and the long
// side truncated, then the crop offset is rounded half to even. Only the crop is computed.
template <typename Emit>
void resample_cover(const Plane& plane, const Frame& f, const ImageOptions& o, ImageScratch& ts, Emit&& emit) {
  const int W = o.width;
  const int H = o.height;
  const int64_t cw = f.cw;
  const int64_t ch = f.ch;
  const double scale = std::max(dbl(W) / dbl(cw), dbl(H) / dbl(ch)) / o.crop_fraction;
  int64_t rw = 0;
  int64_t rh = 0;
  if (cw <= ch) {
    rw = std::max<int64_t>(W, std::llround(dbl(cw) * scale));
    rh = std::max<int64_t>(H, static_cast<int64_t>(dbl(rw) * dbl(ch) / dbl(cw)));
  } else {
    rh = std::max<int64_t>(H, std::llround(dbl(ch) * scale));
    rw = std::max<int64_t>(W, static_cast<int64_t>(dbl(rh) * dbl(cw) / dbl(ch)));
  }
  const int left = static_cast<int>(round_half_even(dbl(rw - W) / 2.0));
  const int top = static_cast<int>(round_half_even(dbl(rh - H) / 2.0));
  resample(plane, 0, 0, f.ex, f.ey, static_cast<int>(rw), static_cast<int>(rh), left, W, top, H, o.filter, ts.resample,
           emit);
}

// Contain: the whole image scaled to fit, centred, the rest of the frame filled with `pad`.
// write(row, y) writes one full output row.
template <typename Write>
void resample_contain(const Plane& plane, const Frame& f, const ImageOptions& o, ImageScratch& ts, Write&& write) {
  const int W = o.width;
  const int H = o.height;
  const int64_t cw = f.cw;
  const int64_t ch = f.ch;
  const double scale = std::min(dbl(W) / dbl(cw), dbl(H) / dbl(ch));
  const int rw = static_cast<int>(std::clamp<int64_t>(std::llround(dbl(cw) * scale), 1, W));
  const int rh = static_cast<int>(std::clamp<int64_t>(std::llround(dbl(ch) * scale), 1, H));
  const int left = (W - rw) / 2;
  const int top = (H - rh) / 2;
  const size_t px = static_cast<size_t>(o.channels);
  ts.row.resize(static_cast<size_t>(W) * px);
  auto pad_row = [&] {
    for (size_t x = 0; x < static_cast<size_t>(W); ++x) {
      for (size_t c = 0; c < px; ++c) ts.row[x * px + c] = static_cast<uint8_t>(o.pad[c]);
    }
  };
  pad_row();
  for (int y = 0; y < top; ++y) write(ts.row.data(), y);
  resample(plane, 0, 0, f.ex, f.ey, rw, rh, 0, rw, 0, rh, o.filter, ts.resample, [&](int y, const uint8_t* row) {
    std::memcpy(ts.row.data() + static_cast<size_t>(left) * px, row, static_cast<size_t>(rw) * px);
    write(ts.row.data(), top + y);
  });
  pad_row();
  for (int y = top + rh; y < H; ++y) write(ts.row.data(), y);
}

}  // namespace

ItemStatus ImagePipeline::decode(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const {
  TrimOnExit trim{t_scratch};
  ItemStatus s = decode_item(data, size, item, dst);
  // A failed item may have left libvips' buffers (freed, below the mmap threshold) in the heap:
  // give them back too. Failures are rare, so this costs nothing in steady state.
  if (!s.ok()) trim.force = true;
  return s;
}

ItemStatus ImagePipeline::decode_item(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const {
  const ImageOptions& o = options_;
  ImageScratch& ts = t_scratch;
  StageLaps laps;
  Decoded d;
  ItemStatus s = decode_image(data, size, o, item, ts, d);
  if (!s.ok()) {
    laps.lap(Stage::kDecode);
    return s;
  }
  // Decode covers everything up to pixels in the output's channels (libvips does its colour
  // conversion while it decodes).
  const Plane plane = with_channels(d.plane, o, ts);
  laps.lap(Stage::kDecode);

  // Geometry, then every output row straight through the pixel writer into the slot.
  const int W = o.width;
  const int H = o.height;
  // A libvips shrink-on-load's plane may be a pixel short of ow * scale (it rounds its own way):
  // the frame never reaches past the plane.
  const Frame f{d.ow, d.oh, std::min(dbl(plane.width), dbl(d.ow) * d.scale), std::min(dbl(plane.height), dbl(d.oh) * d.scale)};
  const bool flip = d.flip;
  // The resample's rows go straight to the writer; the writer's share is sampled (RowSampler).
  RowSampler rows(laps.on());
  auto write = [&](const uint8_t* row, int y) { rows.row(y, [&] { writer_.write_row(row, y, flip, dst); }); };
  auto emit = [&](int y, const uint8_t* row) { write(row, y); };
  if (o.random_resized_crop) {
    const double fx = f.ex / dbl(d.ow);
    const double fy = f.ey / dbl(d.oh);
    resample(plane, dbl(d.box.left) * fx, dbl(d.box.top) * fy, dbl(d.box.left + d.box.width) * fx,
             dbl(d.box.top + d.box.height) * fy, W, H, 0, W, 0, H, o.filter, ts.resample, emit);
  } else if (o.fit == Fit::kFill) {
    resample(plane, 0, 0, f.ex, f.ey, W, H, 0, W, 0, H, o.filter, ts.resample, emit);
  } else if (o.fit == Fit::kCover) {
    resample_cover(plane, f, o, ts, emit);
  } else {
    resample_contain(plane, f, o, ts, write);
  }
  laps.lap_split(Stage::kResample, Stage::kConvert, rows.total_ns());
  return {};
}

}  // namespace tl
