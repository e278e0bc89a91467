// Tests of core/png_decoder.
#include "test/test_util.h"

TEST_CASE(png_decoder_leaves_rows_over_4_gib_to_libvips) {
  // zlib's avail_out is 32-bit: an RGBA PNG of 2^24 x 64 has 4 GiB + 64 bytes of filtered rows,
  // which the direct decoder used to inflate into a truncated count and read back as zeros
  // (with maxPixels raised past 2^30). It must leave such a file to libvips, allocating nothing.
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
  be32(ihdr, 1u << 24);
  be32(ihdr, 64);
  ihdr.insert(ihdr.end(), {8, 6, 0, 0, 0});
  chunk(file, "IHDR", ihdr);
  chunk(file, "IDAT", {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});  // an empty zlib stream
  chunk(file, "IEND", {});
  std::vector<uint8_t> pixels, raw;
  tl::PngImage image;
  bool handled = true;
  tl::ItemStatus s = tl::decode_png(file.data(), file.size(), uint64_t{1} << 40, pixels, raw, image, &handled);
  CHECK(!handled);
  CHECK(s.ok());
  CHECK_EQ(raw.capacity(), size_t{0});
}
