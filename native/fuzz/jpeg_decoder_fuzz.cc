// Fuzz target: the direct JPEG decoder (core/jpeg_decoder.h: decode_jpeg), on a file's bytes.
//
// The first byte picks the DCT scale (1..8 of 8), the fail_on level and whether EXIF
// orientation is honoured; the rest is the file. Fresh buffers for every decode, so ASan sees
// every overrun. Beyond memory safety it checks the decoder's contract: a file it does not take
// returns ok and leaves `pixels` and `image` alone; a file it decodes is within the pixel
// limit, has the size libjpeg gives the scale, and fills width * height * channels; a failure
// is EDECODE or ETOOLARGE, never an abort (libjpeg's error_exit longjmps back).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/jpeg_decoder.h"
#include "fuzz/fuzz_check.h"

namespace {

// Small enough that a hostile header cannot make a run allocate more than a few tens of MB.
constexpr uint64_t kMaxPixels = uint64_t{1} << 22;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 1 || size > 1024 * 1024) return 0;
  const int scale = 1 + bytes[0] % 8;
  static const tl::FailOn kFailOn[4] = {tl::FailOn::kNone, tl::FailOn::kTruncated, tl::FailOn::kError, tl::FailOn::kWarning};
  tl::JpegLimits limits;
  limits.max_pixels = kMaxPixels;
  limits.max_bytes = uint64_t{64} << 20;
  limits.fail_on = kFailOn[(bytes[0] >> 3) & 3];
  limits.autorotate = (bytes[0] & 0x20) != 0;
  limits.max_scans = 64;
  // A copy the exact size of the input, so reading one byte past it is an ASan report.
  const std::vector<uint8_t> file(bytes + 1, bytes + size);
  std::vector<uint8_t> pixels;
  tl::JpegImage image;
  bool handled = true;
  int asked_w = 0;
  int asked_h = 0;
  auto choose = [&](int w, int h) {
    asked_w = w;
    asked_h = h;
    return scale;
  };
  const tl::ItemStatus s = tl::decode_jpeg(file.data(), file.size(), limits, choose, pixels, image, &handled);
  if (!handled) {
    TL_FUZZ_CHECK(s.ok());
    TL_FUZZ_CHECK(pixels.empty() && image.width == 0 && image.height == 0 && image.channels == 0);
    return 0;
  }
  if (!s.ok()) {
    TL_FUZZ_CHECK(s.code == tl::Code::kDecode || s.code == tl::Code::kTooLarge);
    return 0;
  }
  TL_FUZZ_CHECK(image.src_width == asked_w && image.src_height == asked_h);
  TL_FUZZ_CHECK(static_cast<uint64_t>(image.src_width) * static_cast<uint64_t>(image.src_height) <= kMaxPixels);
  TL_FUZZ_CHECK(image.scale_num == scale);
  TL_FUZZ_CHECK(image.width == (image.src_width * scale + 7) / 8 && image.height == (image.src_height * scale + 7) / 8);
  TL_FUZZ_CHECK(image.channels == 1 || image.channels == 3);
  TL_FUZZ_CHECK(pixels.size() == static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * static_cast<size_t>(image.channels));
  return 0;
}
