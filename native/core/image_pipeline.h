// Encoded image bytes to their place in a batch slot: decode (a direct PNG decoder, libvips for
// everything else) -> colour -> geometry (fit or random resized crop) -> flip -> dtype, scale,
// mean/std -> layout, every option decided once per dataset. One image is processed entirely on
// one pool thread: libvips runs with its cache off and concurrency 1, and pixels are pulled with
// a region, so no libvips worker threads or sinks are involved. Where the bytes come from (a
// file, a packed record, a tar member) is the record reader's business.
#pragma once

#include "core/field_decoder.h"
#include "core/image_options.h"
#include "core/pixel_writer.h"

namespace tl {

class ImagePipeline final : public FieldDecoder {
 public:
  explicit ImagePipeline(const ImageOptions& options) : options_(options), writer_(options) {}

  size_t out_bytes() const override { return writer_.item_bytes(); }
  // Safe from several threads at once (per-thread scratch).
  ItemStatus decode(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const override;
  bool slow() const override { return true; }
  // Times decode, resample and convert itself.
  Stage stage() const override { return Stage::kNone; }
  const ImageOptions& options() const { return options_; }

 private:
  // decode() without the scratch trimming around it.
  ItemStatus decode_item(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const;

  ImageOptions options_;
  PixelWriter writer_;
};

}  // namespace tl
