// Image files decoded by libvips and written, resized and normalised, straight into their
// place in a batch slot. One image is processed entirely on one pool thread: libvips runs with
// its cache off and concurrency 1, and pixels are pulled with a region, so no libvips worker
// threads or sinks are involved.
#pragma once

#include <string>
#include <vector>

#include "core/file_reader.h"
#include "core/image_options.h"
#include "core/item_source.h"
#include "core/pixel_writer.h"

namespace tl {

class ImageSource final : public ItemSource {
 public:
  ImageSource(std::vector<std::string> paths, const ImageOptions& options);

  size_t length() const override { return paths_.size(); }
  size_t item_bytes() const override { return writer_.item_bytes(); }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  // The pipeline on encoded bytes already in memory (a packed file's record): what fill does
  // after reading the file. Safe from several threads at once.
  ItemStatus decode(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const;
  std::string describe(size_t index) const override;
  const ImageOptions& options() const { return options_; }

 private:
  // decode() without the scratch trimming around it.
  ItemStatus decode_item(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const;

  std::vector<std::string> paths_;
  ImageOptions options_;
  PixelWriter writer_;
  ReadOptions read_options_;
};

}  // namespace tl
