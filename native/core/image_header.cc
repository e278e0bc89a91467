#include "core/image_header.h"

#include <vips/vips.h>

#include <cstring>
#include <string>

namespace tl {

ItemStatus open_image_header(const char* data, size_t size, const HeaderLimits& limits, ImageRef& img, bool* is_jpeg) {
  const char* loader = vips_foreign_find_load_buffer(data, size);
  if (loader == nullptr) {
    take_vips_error();
    return ItemStatus::error(Code::kFormat, "not an image libvips can read (no loader recognises its first bytes)", 0);
  }
  *is_jpeg = std::strcmp(loader, "VipsForeignLoadJpegBuffer") == 0;
  const bool is_png = std::strcmp(loader, "VipsForeignLoadPngBuffer") == 0;
  // Sequential access streams the decoder into our region request instead of through a
  // libvips worker thread; the two common formats go straight to their loader.
  void* buf = const_cast<char*>(data);
  if (is_png) {
    vips_pngload_buffer(buf, size, img.out(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", limits.fail_on, nullptr);
  } else if (*is_jpeg) {
    vips_jpegload_buffer(buf, size, img.out(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", limits.fail_on, nullptr);
  } else {
    img = ImageRef(vips_image_new_from_buffer(data, size, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", limits.fail_on, nullptr));
  }
  if (!img) return ItemStatus::error(Code::kDecode, "cannot read the image header: " + take_vips_error());
  const auto sw = static_cast<uint64_t>(img.get()->Xsize);
  const auto sh = static_cast<uint64_t>(img.get()->Ysize);
  const std::string dims = std::to_string(sw) + "x" + std::to_string(sh);
  if (sw * sh > limits.max_pixels) {
    return ItemStatus::error(Code::kTooLarge, "image is " + dims + " = " + std::to_string(sw * sh) + " pixels, over maxPixels " +
                                                  std::to_string(limits.max_pixels));
  }
  // What the decoder will allocate is what the header declares, whatever the file holds: a
  // few hundred bytes of AVIF, SVG, TIFF or JPEG can declare 16000x16000. Refuse it here.
  const auto bands = static_cast<uint64_t>(img.get()->Bands);
  const uint64_t converted = limits.out_channels > 0 && bands != static_cast<uint64_t>(limits.out_channels) ? static_cast<uint64_t>(limits.out_channels) : 0;
  const uint64_t bytes = sw * sh * (bands * vips_format_sizeof(img.get()->BandFmt) + converted);
  if (bytes > limits.max_bytes) {
    return ItemStatus::error(Code::kTooLarge, "image is " + dims + " with " + std::to_string(img.get()->Bands) + " bands: decoding needs " +
                                                  std::to_string(bytes) + " bytes, over this item's memory cap of " +
                                                  std::to_string(limits.max_bytes) + " (maxItemBytes, or the loader's memoryBudget / threads)");
  }
  return {};
}

}  // namespace tl
