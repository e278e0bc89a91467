#include "core/image_header.h"

#include <vips/vips.h>

#include <cstring>
#include <string>

namespace tl {

ItemStatus open_image_header(const char* data, size_t size, uint64_t max_pixels, ImageRef& img, bool* is_jpeg) {
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
    vips_pngload_buffer(buf, size, img.out(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
  } else if (*is_jpeg) {
    vips_jpegload_buffer(buf, size, img.out(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
  } else {
    img = ImageRef(vips_image_new_from_buffer(data, size, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                              VIPS_FAIL_ON_ERROR, nullptr));
  }
  if (!img) return ItemStatus::error(Code::kDecode, "cannot read the image header: " + take_vips_error());
  const int64_t sw = img.get()->Xsize;
  const int64_t sh = img.get()->Ysize;
  if (static_cast<uint64_t>(sw) * static_cast<uint64_t>(sh) > max_pixels) {
    return ItemStatus::error(Code::kTooLarge, "image is " + std::to_string(sw) + "x" + std::to_string(sh) + " = " +
                                                  std::to_string(sw * sh) + " pixels, over maxPixels " +
                                                  std::to_string(max_pixels));
  }
  return {};
}

}  // namespace tl
