// What one stored field's bytes become in its plane of the slot. Decoders are built once per
// dataset and are read-only after that, so every pool thread shares them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/image_options.h"
#include "core/item_source.h"
#include "core/npy_header.h"
#include "core/pixel_writer.h"
#include "core/record_reader.h"
#include "core/stage_times.h"
#include "core/status.h"

namespace tl {

class FieldDecoder {
 public:
  virtual ~FieldDecoder() = default;
  // Bytes this field takes in one item.
  virtual size_t out_bytes() const = 0;
  // Decodes bytes already in ordinary memory. Safe from several threads at once.
  virtual ItemStatus decode(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const = 0;
  // Whether one item takes long (an image decode): such items are claimed one at a time.
  virtual bool slow() const { return false; }
  // The stage decode() is timed as (core/stage_times.h); kNone for a decoder that times its
  // own steps.
  virtual Stage stage() const { return Stage::kDecode; }

  // In-place decoders write straight from mapped bytes under the SIGBUS guard: write_in_place
  // must neither allocate nor lock (see core/sigbus_guard.h), and `accepts` checks the size
  // first, outside the guard. The others are handed a copy made under the guard.
  virtual bool in_place() const { return false; }
  virtual ItemStatus accepts(size_t /*size*/) const { return {}; }
  virtual void write_in_place(const char* /*data*/, size_t /*size*/, uint8_t* /*dst*/) const {}
};

// Runs `decoder` on one record view: in ordinary memory directly, mapped bytes under the SIGBUS
// guard (in place, or through a per-thread copy). A truncation caught there becomes
// reader.truncated(item, view).
ItemStatus decode_record(const FieldDecoder& decoder, const RecordReader& reader, const RecordView& view,
                         const ItemRef& item, uint8_t* dst);

// A decoder whose whole work is a plain copy or loop over the record: it reads mapped bytes in
// place, and ordinary memory the same way.
class InPlaceDecoder : public FieldDecoder {
 public:
  ItemStatus decode(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const final;
  bool in_place() const final { return true; }
};

// The record is the value: copied as it is (a packed raw field, a .npy row).
class RawCopyDecoder final : public InPlaceDecoder {
 public:
  explicit RawCopyDecoder(size_t bytes) : bytes_(bytes) {}
  size_t out_bytes() const override { return bytes_; }
  ItemStatus accepts(size_t size) const override;
  void write_in_place(const char* data, size_t size, uint8_t* dst) const override;
  Stage stage() const override { return Stage::kCopy; }

 private:
  size_t bytes_;
};

// Raw uint8 [height, width, channels] pixels converted on the way (dtype, scale, mean/std,
// layout) by a PixelWriter.
class PixelConvertDecoder final : public InPlaceDecoder {
 public:
  explicit PixelConvertDecoder(const ImageOptions& options);
  size_t out_bytes() const override { return writer_.item_bytes(); }
  ItemStatus accepts(size_t size) const override;
  void write_in_place(const char* data, size_t size, uint8_t* dst) const override;
  Stage stage() const override { return Stage::kConvert; }

 private:
  PixelWriter writer_;
  size_t in_bytes_;
};

// Numeric text like numpy's str(array), parsed to `count` float32 values.
class TextDecoder final : public FieldDecoder {
 public:
  explicit TextDecoder(size_t count) : count_(count) {}
  size_t out_bytes() const override { return count_ * sizeof(float); }
  size_t count() const { return count_; }
  ItemStatus decode(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const override;

 private:
  size_t count_;
};

// A whole .npy file (a WebDataset member, say) holding one item: its header is parsed and must
// give exactly `type` and `shape`; the data is copied. A file never loosens these: a header
// asking for another size is refused, not followed.
class NpyFileDecoder final : public FieldDecoder {
 public:
  NpyFileDecoder(NpyType type, std::vector<uint64_t> shape);
  size_t out_bytes() const override { return bytes_; }
  ItemStatus decode(const char* data, size_t size, const ItemRef& item, uint8_t* dst) const override;

 private:
  NpyType type_;
  std::vector<uint64_t> shape_;
  size_t bytes_;
};

}  // namespace tl
