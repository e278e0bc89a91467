// Fuzz target: the direct PNG decoder (core/png_decoder.h: decode_png), on a file's bytes.
//
// Each input is decoded three ways:
//  1. as it is;
//  2. with every chunk's CRC recomputed, so mutations inside chunks get past the checksums to
//     the inflater and the row filters (as libpng's fuzzing builds skip CRCs);
//  3. as the description of a PNG built here: the first bytes pick width, height, colour type,
//     IDAT split and truncation, the rest is the filtered rows (filter bytes included), which
//     are deflated into a valid stream. That drives the unfilter code with every filter and
//     size, and its pixels are compared with a plain transcription of the PNG spec.
// Fresh buffers for every decode (ImageSource reuses a thread's buffers; fresh ones make ASan
// see every overrun and every run reproducible). Beyond memory safety it checks the
// decoder's contract: a file it does not take returns ok and leaves `pixels` and `image`
// alone; a file it decodes is within the pixel limit and fills width * height * channels.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/png_decoder.h"
#include "fuzz/fuzz_check.h"

namespace {

// Small enough that a hostile header cannot make a run allocate more than a few tens of MB
// (raw rows + pixels, RGBA); ImageSource's default is 0x3FFF * 0x3FFF.
constexpr uint64_t kMaxPixels = uint64_t{1} << 22;

struct Decoded {
  bool handled = false;
  tl::ItemStatus status;
  tl::PngImage image;
  std::vector<uint8_t> pixels;
};

Decoded decode_and_check(const std::vector<uint8_t>& file) {
  Decoded d;
  std::vector<uint8_t> raw;
  d.handled = true;
  d.status = tl::decode_png(file.data(), file.size(), tl::PngLimits{kMaxPixels, uint64_t{1} << 30}, d.pixels, raw, d.image, &d.handled);
  if (!d.handled) {
    TL_FUZZ_CHECK(d.status.ok());
    TL_FUZZ_CHECK(d.pixels.empty() && d.image.width == 0 && d.image.height == 0 && d.image.channels == 0);
    return d;
  }
  if (!d.status.ok()) {
    TL_FUZZ_CHECK(d.status.code == tl::Code::kDecode || d.status.code == tl::Code::kTooLarge);
    TL_FUZZ_CHECK(d.status.offset >= -1 && d.status.offset <= static_cast<int64_t>(file.size()));
    return d;
  }
  TL_FUZZ_CHECK(d.image.width > 0 && d.image.height > 0);
  TL_FUZZ_CHECK(static_cast<uint64_t>(d.image.width) * d.image.height <= kMaxPixels);
  TL_FUZZ_CHECK(d.image.channels >= 1 && d.image.channels <= 4);
  const size_t bytes_out = static_cast<size_t>(d.image.width) * d.image.height * static_cast<size_t>(d.image.channels);
  TL_FUZZ_CHECK(d.pixels.size() == bytes_out);
  return d;
}

uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put_chunk(std::vector<uint8_t>& out, const char* type, const uint8_t* data, size_t len) {
  put_be32(out, static_cast<uint32_t>(len));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data, data + len);
  put_be32(out, static_cast<uint32_t>(crc32(0, out.data() + start, static_cast<uInt>(len + 4))));
}

// Way 2: every complete chunk gets its correct CRC. Returns false when nothing changed.
bool fix_crcs(std::vector<uint8_t>& f) {
  bool changed = false;
  for (size_t pos = 8; f.size() >= 12 && pos <= f.size() - 12;) {
    const uint32_t len = be32(f.data() + pos);
    if (len > f.size() - pos - 12) break;
    const uint32_t crc = static_cast<uint32_t>(crc32(0, f.data() + pos + 4, static_cast<uInt>(len) + 4));
    uint8_t* at = f.data() + pos + 8 + len;
    if (be32(at) != crc) {
      at[0] = static_cast<uint8_t>(crc >> 24);
      at[1] = static_cast<uint8_t>(crc >> 16);
      at[2] = static_cast<uint8_t>(crc >> 8);
      at[3] = static_cast<uint8_t>(crc);
      changed = true;
    }
    pos += static_cast<size_t>(len) + 12;
  }
  return changed;
}

uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = p > a ? p - a : a - p;
  const int pb = p > b ? p - b : b - p;
  const int pc = p > c ? p - c : c - p;
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  if (pb <= pc) return static_cast<uint8_t>(b);
  return static_cast<uint8_t>(c);
}

// The PNG spec's reconstruction, written out plainly. False on an unknown filter type.
bool reference_unfilter(const std::vector<uint8_t>& raw, size_t stride, size_t rows, size_t bpp,
                        std::vector<uint8_t>& out) {
  out.assign(stride * rows, 0);
  for (size_t y = 0; y < rows; ++y) {
    const uint8_t type = raw[y * (stride + 1)];
    if (type > 4) return false;
    for (size_t x = 0; x < stride; ++x) {
      const int v = raw[y * (stride + 1) + 1 + x];
      const int a = x >= bpp ? out[y * stride + x - bpp] : 0;
      const int b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const int c = y > 0 && x >= bpp ? out[(y - 1) * stride + x - bpp] : 0;
      int pred = 0;
      if (type == 1) pred = a;
      if (type == 2) pred = b;
      if (type == 3) pred = (a + b) / 2;
      if (type == 4) pred = paeth(a, b, c);
      out[y * stride + x] = static_cast<uint8_t>(v + pred);
    }
  }
  return true;
}

// Way 3: a PNG described by the input. Byte 0: width, 1: height, 2: colour type (and whether
// the image data is cut short), 3: IDAT chunk size, 4: zlib level; the rest: filtered rows.
void synthesized(const uint8_t* in, size_t size) {
  if (size < 6) return;
  static const uint8_t kColour[4] = {0, 2, 4, 6};
  static const int kChannels[4] = {1, 3, 2, 4};
  const uint32_t width = 1u + in[0] % 64u;
  const uint32_t height = 1u + in[1] % 64u;
  const int ci = in[2] & 3;
  const bool cut = (in[2] & 4) != 0;
  const size_t idat_size = 1u + in[3];
  const int level = in[4] % 10;
  const size_t channels = static_cast<size_t>(kChannels[ci]);
  const size_t stride = width * channels;
  std::vector<uint8_t> raw((stride + 1) * height, 0);
  // Filter types mostly 0-4 so rows decode; a few are left as given to hit the bad filter path.
  for (size_t i = 0; i < raw.size() && 5 + i < size; ++i) raw[i] = in[5 + i];
  for (size_t y = 0; y < height; ++y) {
    uint8_t& f = raw[y * (stride + 1)];
    if (f < 0xf0) f = static_cast<uint8_t>(f % 5);
  }
  std::vector<uint8_t> packed(compressBound(static_cast<uLong>(raw.size())));
  uLongf packed_size = static_cast<uLongf>(packed.size());
  // Cut: deflate only part of the rows, so the stream ends early.
  const size_t deflated = cut ? raw.size() / 2 : raw.size();
  TL_FUZZ_CHECK(compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(deflated), level) == Z_OK);

  std::vector<uint8_t> file = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, kColour[ci], 0, 0, 0});
  put_chunk(file, "IHDR", ihdr.data(), ihdr.size());
  for (size_t off = 0; off < packed_size; off += idat_size) {
    const size_t n = off + idat_size <= packed_size ? idat_size : packed_size - off;
    put_chunk(file, "IDAT", packed.data() + off, n);
  }
  put_chunk(file, "IEND", nullptr, 0);

  const Decoded d = decode_and_check(file);
  TL_FUZZ_CHECK(d.handled);  // 8-bit, no palette, no tRNS, no interlace: always the direct path
  std::vector<uint8_t> want;
  const bool filters_ok = reference_unfilter(raw, stride, height, channels, want);
  if (cut || !filters_ok) {
    TL_FUZZ_CHECK(d.status.code == tl::Code::kDecode);
    return;
  }
  TL_FUZZ_CHECK(d.status.ok());
  TL_FUZZ_CHECK(d.image.width == width && d.image.height == height && d.image.channels == kChannels[ci]);
  TL_FUZZ_CHECK(d.pixels == want);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size > 1024 * 1024) return 0;
  // A copy the exact size of the input, so reading one byte past it is an ASan report.
  std::vector<uint8_t> file(bytes, bytes + size);
  decode_and_check(file);
  if (size >= 8 && std::memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0) {
    if (fix_crcs(file)) decode_and_check(file);
  } else {
    synthesized(bytes, size);
  }
  return 0;
}
