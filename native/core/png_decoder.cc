#include "core/png_decoder.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "core/simd/unfilter.h"

namespace tl {
namespace {

constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

inline uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

ItemStatus corrupt(const std::string& why, size_t offset) {
  return ItemStatus::error(Code::kDecode, "corrupt PNG: " + why, static_cast<int64_t>(offset));
}

// Room for more inflated rows: `raw` grows geometrically with what zlib produced, from 64 KiB,
// up to the size the header declares, so memory follows the data actually present. What `raw`
// already holds (the last item's rows, the caller bounds it) is used first, without zeroing it.
void grow_output(z_stream& z, std::vector<uint8_t>& raw, size_t raw_size) {
  const size_t produced = static_cast<size_t>(z.next_out - raw.data());
  const size_t next = std::min(raw_size, std::max<size_t>(size_t{64} << 10, raw.size() * 2));
  if (next > raw.size()) raw.resize(next);
  z.next_out = raw.data() + produced;
  z.avail_out = static_cast<uInt>(std::min(raw.size(), raw_size) - produced);
}

// One zlib inflater per thread, reset for every image rather than set up and torn down: the
// state and its 32 KiB window are allocated once per thread, not once per item.
class ThreadInflater {
 public:
  ThreadInflater() = default;
  ThreadInflater(const ThreadInflater&) = delete;
  ThreadInflater& operator=(const ThreadInflater&) = delete;
  ~ThreadInflater() {
    if (ready_) inflateEnd(&z_);
  }
  // A fresh stream, or nullptr when zlib cannot set one up.
  z_stream* begin() {
    if (ready_ && inflateReset(&z_) == Z_OK) return &z_;
    if (ready_) inflateEnd(&z_);
    z_ = z_stream{};
    ready_ = inflateInit(&z_) == Z_OK;
    return ready_ ? &z_ : nullptr;
  }

 private:
  z_stream z_{};
  bool ready_ = false;
};
thread_local ThreadInflater t_inflater;

// libdeflate's whole-buffer decompressor, one per thread. It inflates a complete zlib stream
// several times faster than zlib's streaming inflate; the PNGs it takes (one IDAT chunk, as
// PIL writes files up to 64 KiB of image data) hold the whole stream in one place.
struct FreeDecompressor {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};
thread_local std::unique_ptr<libdeflate_decompressor, FreeDecompressor> t_decompressor;

// Deflate expands at most ~1032:1: a stream of `len` bytes cannot fill more than this, so the
// whole-buffer path never sizes `raw` past what the data present could produce.
constexpr uint64_t kMaxDeflateRatio = 1032;

inline uint32_t png_crc(const uint8_t* p, size_t n) { return libdeflate_crc32(0, p, n); }

// The single IDAT chunk's zlib stream inflated into `raw` in one call; false (nothing
// decided) when the stream does not give exactly `raw_size` bytes, and the streaming inflate
// then judges the data and words any error as it always has.
bool inflate_whole(const uint8_t* in, size_t len, std::vector<uint8_t>& raw, size_t raw_size) {
  if (raw_size > kMaxDeflateRatio * len + (size_t{64} << 10)) return false;
  if (!t_decompressor) t_decompressor.reset(libdeflate_alloc_decompressor());
  libdeflate_decompressor* d = t_decompressor.get();
  if (d == nullptr) return false;
  if (raw.size() < raw_size) raw.resize(raw_size);
  size_t got = 0;
  return libdeflate_zlib_decompress(d, in, len, raw.data(), raw_size, &got) == LIBDEFLATE_SUCCESS && got == raw_size;
}

}  // namespace

ItemStatus decode_png(const uint8_t* data, size_t size, const PngLimits& limits, std::vector<uint8_t>& pixels,
                      std::vector<uint8_t>& raw, PngImage& image, bool* handled) {
  const uint64_t max_pixels = limits.max_pixels;
  *handled = false;
  if (size < 8 + 25 || std::memcmp(data, kSignature, 8) != 0) return {};
  // IHDR must come first.
  const uint8_t* ihdr = data + 8;
  if (be32(ihdr) != 13 || std::memcmp(ihdr + 4, "IHDR", 4) != 0) return {};
  const uint8_t* h = ihdr + 8;
  const uint32_t width = be32(h);
  const uint32_t height = be32(h + 4);
  const uint8_t depth = h[8];
  const uint8_t colour = h[9];
  if (width == 0 || height == 0 || width > (1u << 24) || height > (1u << 24)) return {};
  if (depth != 8 || h[10] != 0 || h[11] != 0 || h[12] != 0) return {};  // 8-bit, deflate, no interlace
  int channels = 0;
  switch (colour) {
    case 0: channels = 1; break;
    case 2: channels = 3; break;
    case 4: channels = 2; break;
    case 6: channels = 4; break;
    default: return {};  // palette: libvips expands it
  }
  if (png_crc(ihdr + 4, 17) != be32(ihdr + 21)) return {};  // let libvips word the error

  // Walk the chunks once: anything that changes pixels (transparency key, EXIF orientation)
  // sends the file to libvips; IDAT data is inflated as it comes (a single IDAT in one call).
  const size_t stride = static_cast<size_t>(width) * static_cast<size_t>(channels);
  const size_t raw_size = (stride + 1) * height;
  // zlib counts output space in 32 bits (avail_out): rows needing more (only with maxPixels
  // raised past ~1e9) would be cut short and read as zeros, so libvips takes such images.
  if (raw_size > std::numeric_limits<uInt>::max()) return {};
  size_t pos = 8 + 25;
  bool seen_idat = false;
  bool finished = false;
  bool whole = false;  // inflated by inflate_whole
  z_stream* zs = nullptr;
  for (;;) {
    if (pos + 12 > size) break;  // no IEND: judged below by what was inflated
    const uint32_t len = be32(data + pos);
    const uint8_t* type = data + pos + 4;
    // A chunk cut short or an IDAT with a bad checksum: libvips judges the file (it reads one
    // whose cut chunk comes after the image data) and words its error. Not handled, so ok: the
    // caller ignores the status of a file the decoder does not take.
    if (len > size - pos - 12) return {};
    if (std::memcmp(type, "tRNS", 4) == 0 || std::memcmp(type, "eXIf", 4) == 0) return {};
    if (std::memcmp(type, "IEND", 4) == 0) break;
    if (std::memcmp(type, "IDAT", 4) == 0) {
      if (png_crc(type, len + 4) != be32(data + pos + 8 + len)) return {};
      if (!seen_idat) {
        // The pixel limit is a header check: it must stop a bomb before the allocation.
        if (static_cast<uint64_t>(width) * height > max_pixels) {
          *handled = true;
          return ItemStatus::error(Code::kTooLarge, "image is " + std::to_string(width) + "x" + std::to_string(height) +
                                                        " = " + std::to_string(static_cast<uint64_t>(width) * height) +
                                                        " pixels, over maxPixels " + std::to_string(max_pixels));
        }
        // The rows and the unfiltered pixels are what the decode holds at its peak.
        const uint64_t need = static_cast<uint64_t>(raw_size) + static_cast<uint64_t>(stride) * height;
        if (need > limits.max_bytes) {
          *handled = true;
          return ItemStatus::error(Code::kTooLarge, "image is " + std::to_string(width) + "x" + std::to_string(height) +
                                                        ": decoding needs " + std::to_string(need) +
                                                        " bytes, over this item's memory cap of " + std::to_string(limits.max_bytes) +
                                                        " (maxItemBytes, or the loader's memoryBudget / threads)");
        }
        seen_idat = true;
        // One IDAT (the next chunk is another type): the whole stream is here at once.
        const size_t next = pos + 12 + len;
        const bool single = next + 8 <= size && std::memcmp(data + next + 4, "IDAT", 4) != 0;
        if (single && inflate_whole(data + pos + 8, len, raw, raw_size)) {
          finished = true;
          whole = true;
        } else {
          zs = t_inflater.begin();
          if (zs == nullptr) return {};
          zs->next_out = raw.data();
          zs->avail_out = static_cast<uInt>(std::min(raw.size(), raw_size));
        }
      }
      if (!finished && len > 0) {
        z_stream& z = *zs;
        z.next_in = const_cast<uint8_t*>(data + pos + 8);
        z.avail_in = len;
        while (z.avail_in > 0) {
          if (z.avail_out == 0) {
            if (raw.size() >= raw_size) break;  // more data than the image holds: ignored, as before
            grow_output(z, raw, raw_size);
          }
          const int r = inflate(&z, Z_NO_FLUSH);
          if (r == Z_STREAM_END) {
            finished = true;
            break;
          }
          if (r != Z_OK && !(r == Z_BUF_ERROR && z.avail_out == 0)) {
            *handled = true;
            return corrupt(std::string("bad compressed data (") + (z.msg ? z.msg : "zlib error") + ")", pos);
          }
        }
      }
    }
    pos += static_cast<size_t>(len) + 12;
  }
  if (!seen_idat) return {};
  const size_t produced = whole ? raw_size : static_cast<size_t>(zs->next_out - raw.data());
  *handled = true;
  if (produced < raw_size) return corrupt("image data ends early (truncated?)", pos);
  pixels.resize(stride * height);
  if (!unfilter_rows(raw.data(), pixels.data(), stride, height, static_cast<size_t>(channels))) {
    return corrupt("unknown row filter", pos);
  }
  image.width = width;
  image.height = height;
  image.channels = channels;
  return {};
}

}  // namespace tl
