// Tests of core/png_decoder.
#include <zlib.h>

#include "test/test_util.h"

// A PNG whose IHDR declares width x height (8-bit, the colour type given) with one IDAT of
// the bytes given: the header says what an attacker wants, the data holds what it holds.
static std::vector<uint8_t> png_declaring(uint32_t width, uint32_t height, uint8_t colour, const std::vector<uint8_t>& idat) {
  auto be32 = [](std::vector<uint8_t>& v, uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<uint8_t>(x >> s));
  };
  auto chunk = [&](std::vector<uint8_t>& f, const char* type, const std::vector<uint8_t>& body) {
    be32(f, static_cast<uint32_t>(body.size()));
    const size_t start = f.size();
    f.insert(f.end(), type, type + 4);
    f.insert(f.end(), body.begin(), body.end());
    be32(f, static_cast<uint32_t>(crc32(0, f.data() + start, static_cast<uInt>(body.size() + 4))));
  };
  std::vector<uint8_t> file = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  be32(ihdr, width);
  be32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, colour, 0, 0, 0});
  chunk(file, "IHDR", ihdr);
  chunk(file, "IDAT", idat);
  chunk(file, "IEND", {});
  return file;
}

const std::vector<uint8_t> kEmptyZlib = {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};

TEST_CASE(png_decoder_leaves_rows_over_4_gib_to_libvips) {
  // zlib's avail_out is 32-bit: an RGBA PNG of 2^24 x 64 has 4 GiB + 64 bytes of filtered rows,
  // which the direct decoder used to inflate into a truncated count and read back as zeros
  // (with maxPixels raised past 2^30). It must leave such a file to libvips, allocating nothing.
  const std::vector<uint8_t> file = png_declaring(1u << 24, 64, 6, kEmptyZlib);
  std::vector<uint8_t> pixels, raw;
  tl::PngImage image;
  bool handled = true;
  tl::ItemStatus s = tl::decode_png(file.data(), file.size(), tl::PngLimits{uint64_t{1} << 40, UINT64_MAX}, pixels, raw, image, &handled);
  CHECK(!handled);
  CHECK(s.ok());
  CHECK_EQ(raw.capacity(), size_t{0});
}

TEST_CASE(png_decoder_allocates_as_data_arrives_and_within_its_cap) {
  std::vector<uint8_t> pixels, raw;
  tl::PngImage image;
  bool handled = false;
  // 12000x12000 grey declared (288 MB of rows and pixels), under the cap; the data holds one
  // zero byte of it. What is allocated follows the data: at most the first 64 KiB step.
  std::vector<uint8_t> one(1, 0);
  uLongf zlen = compressBound(1);
  std::vector<uint8_t> z(zlen);
  CHECK_EQ(compress(z.data(), &zlen, one.data(), 1), Z_OK);
  z.resize(zlen);
  std::vector<uint8_t> file = png_declaring(12000, 12000, 0, z);
  tl::ItemStatus s = tl::decode_png(file.data(), file.size(), tl::PngLimits{268402689, uint64_t{512} << 20}, pixels, raw, image, &handled);
  CHECK(handled);
  CHECK_EQ(s.code, tl::Code::kDecode);
  CHECK_MSG(s.message.find("ends early") != std::string::npos, s.message);
  CHECK(raw.capacity() <= size_t{64} << 10);
  CHECK_EQ(pixels.capacity(), size_t{0});
  // 16000x16000 RGBA declared: over a 512 MiB cap from the header, nothing allocated.
  std::vector<uint8_t>().swap(raw);
  file = png_declaring(16000, 16000, 6, z);
  s = tl::decode_png(file.data(), file.size(), tl::PngLimits{268402689, uint64_t{512} << 20}, pixels, raw, image, &handled);
  CHECK(handled);
  CHECK_EQ(s.code, tl::Code::kTooLarge);
  CHECK_MSG(s.message.find("memory cap of 536870912") != std::string::npos, s.message);
  CHECK_EQ(raw.capacity(), size_t{0});
  // A real image still decodes whole across many growth steps: 600x400 RGB of a gradient.
  std::vector<uint8_t> rows;
  for (uint32_t y = 0; y < 400; ++y) {
    rows.push_back(0);
    for (uint32_t x = 0; x < 600 * 3; ++x) rows.push_back(static_cast<uint8_t>((x + y) & 255));
  }
  zlen = compressBound(static_cast<uLong>(rows.size()));
  z.assign(zlen, 0);
  CHECK_EQ(compress(z.data(), &zlen, rows.data(), static_cast<uLong>(rows.size())), Z_OK);
  z.resize(zlen);
  file = png_declaring(600, 400, 2, z);
  s = tl::decode_png(file.data(), file.size(), tl::PngLimits{}, pixels, raw, image, &handled);
  CHECK(handled);
  CHECK_MSG(s.ok(), s.message);
  CHECK_EQ(image.width, 600u);
  CHECK_EQ(pixels.size(), size_t{600 * 400 * 3});
  CHECK_EQ(pixels[static_cast<size_t>(399) * 1800 + 1799], static_cast<uint8_t>((1799 + 399) & 255));
}
