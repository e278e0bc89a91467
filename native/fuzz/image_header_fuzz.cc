// Fuzz target: the image path up to libvips' entry (core/image_header.h: open_image_header):
// the loader libvips picks from the first bytes, the header it reads, and the maxPixels check.
// No pixels are decoded. libvips itself is not instrumented (it comes prebuilt from
// @img/sharp-libvips-linux-x64), so coverage guidance sees only our side; ASan still checks
// every access our code makes and every heap block libvips frees or overruns through malloc.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/image_header.h"
#include "core/vips_runtime.h"
#include "fuzz/fuzz_check.h"

namespace {
// Small enough that header reads stay fast; the seeds are a few KB.
constexpr size_t kMaxInput = 64 * 1024;
// A limit a crafted header can cross both ways.
constexpr uint64_t kMaxPixels = uint64_t{1} << 22;

bool start_vips() {
  std::string error;
  if (!tl::vips_runtime_init(&error)) {
    std::fprintf(stderr, "libvips failed to start: %s\n", error.c_str());
    std::abort();
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  static const bool started = start_vips();
  (void)started;
  if (size > kMaxInput) return 0;
  // A copy the exact size of the input, so reading one byte past it is an ASan report. It
  // outlives `img`, which borrows it.
  std::vector<char> data(bytes, bytes + size);
  tl::ImageRef img;
  bool is_jpeg = false;
  const tl::ItemStatus s = tl::open_image_header(data.data(), data.size(), tl::HeaderLimits{kMaxPixels, uint64_t{1} << 30, VIPS_FAIL_ON_WARNING}, img, &is_jpeg);
  if (s.ok()) {
    TL_FUZZ_CHECK(img);
    const VipsImage* in = img.get();
    TL_FUZZ_CHECK(in->Xsize > 0 && in->Ysize > 0 && in->Bands > 0);
    TL_FUZZ_CHECK(static_cast<uint64_t>(in->Xsize) * static_cast<uint64_t>(in->Ysize) <= kMaxPixels);
    // What decode_with_vips asks next, before any pixel: the orientation.
    const int orientation = vips_image_get_orientation(img.get());
    TL_FUZZ_CHECK(orientation >= 1 && orientation <= 8);
  } else {
    TL_FUZZ_CHECK(s.code == tl::Code::kFormat || s.code == tl::Code::kDecode || s.code == tl::Code::kTooLarge);
    TL_FUZZ_CHECK(!s.message.empty());
  }
  return 0;
}
