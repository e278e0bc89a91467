#include "core/field_decoder.h"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/sigbus_guard.h"
#include "core/text_parser.h"

namespace tl {
namespace {

// Mapped records that a decoder cannot read in place (libvips, zlib and the text parser
// allocate) are copied under the guard into this reused per-thread buffer.
thread_local std::vector<char> t_record;

ItemStatus wrong_size(const char* what, size_t size, size_t expected) {
  return ItemStatus::error(Code::kFormat, std::string(what) + " is " + std::to_string(size) + " bytes, the field takes " +
                                              std::to_string(expected));
}

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  return out + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

ItemStatus RecordReader::truncated(const ItemRef& item, const RecordView& view) const {
  return ItemStatus::error(Code::kShrunk, "the file was truncated while mapped (record " + std::to_string(item.index) +
                                              " is past its end)",
                           static_cast<int64_t>(view.offset));
}

bool RecordReader::read_many(const ItemRef*, size_t, WorkerScratch&, RecordView*) const { return false; }

ItemStatus decode_record(const FieldDecoder& decoder, const RecordReader& reader, const RecordView& view,
                         const ItemRef& item, uint8_t* dst) {
  if (!view.mapped) {
    StageTimer timer(decoder.stage());
    return decoder.decode(view.data, view.size, item, dst);
  }
  if (decoder.in_place()) {
    ItemStatus s = decoder.accepts(view.size);
    if (!s.ok()) return s;
    // Untimed: a copy per item is too short to time; the pool charges it (ItemSource::rest_stage).
    if (!sigbus_guarded([&] { decoder.write_in_place(view.data, view.size, dst); })) return reader.truncated(item, view);
    return {};
  }
  std::vector<char>& copy = t_record;
  {
    // Paging the record in from the mapping is this item's read.
    StageTimer timer(Stage::kRead);
    copy.resize(view.size);
    if (!guarded_memcpy(copy.data(), view.data, view.size)) return reader.truncated(item, view);
  }
  ItemStatus s;
  {
    StageTimer timer(decoder.stage());
    s = decoder.decode(copy.data(), view.size, item, dst);
  }
  // Kept for the next record unless one outsized record made it large.
  if (copy.capacity() > (64u << 20)) std::vector<char>().swap(copy);
  return s;
}

ItemStatus InPlaceDecoder::decode(const char* data, size_t size, const ItemRef&, uint8_t* dst) const {
  ItemStatus s = accepts(size);
  if (s.ok()) write_in_place(data, size, dst);
  return s;
}

ItemStatus RawCopyDecoder::accepts(size_t size) const {
  return size == bytes_ ? ItemStatus{} : wrong_size("the record", size, bytes_);
}

void RawCopyDecoder::write_in_place(const char* data, size_t size, uint8_t* dst) const { std::memcpy(dst, data, size); }


PixelConvertDecoder::PixelConvertDecoder(const ImageOptions& options)
    : writer_(options),
      in_bytes_(static_cast<size_t>(options.height) * static_cast<size_t>(options.width) *
                static_cast<size_t>(options.channels)) {}

ItemStatus PixelConvertDecoder::accepts(size_t size) const {
  return size == in_bytes_ ? ItemStatus{} : wrong_size("the image", size, in_bytes_);
}

void PixelConvertDecoder::write_in_place(const char* data, size_t, uint8_t* dst) const {
  writer_.write_image(reinterpret_cast<const uint8_t*>(data), dst);
}


ItemStatus TextDecoder::decode(const char* data, size_t size, const ItemRef&, uint8_t* dst) const {
  // Slots are 64-byte aligned and item bytes a multiple of 4, so dst is float-aligned.
  return parse_floats(data, size, reinterpret_cast<float*>(dst), count_);
}

NpyFileDecoder::NpyFileDecoder(NpyType type, std::vector<uint64_t> shape) : type_(type), shape_(std::move(shape)) {
  static const size_t kSizes[] = {4, 8, 1, 4, 8};
  bytes_ = kSizes[static_cast<int>(type_)];
  for (uint64_t d : shape_) bytes_ *= static_cast<size_t>(d);
}

ItemStatus NpyFileDecoder::decode(const char* data, size_t size, const ItemRef&, uint8_t* dst) const {
  NpyHeader h;
  ItemStatus s = parse_npy_header(data, size, h);
  if (!s.ok()) return s;
  if (h.type != type_ || h.shape != shape_) {
    return ItemStatus::error(Code::kFormat, "the array is " + h.descr + " " + shape_text(h.shape) +
                                                ", not the field's dtype and shape " + shape_text(shape_));
  }
  if (h.data_bytes != bytes_) return wrong_size("the array's data", static_cast<size_t>(h.data_bytes), bytes_);
  std::memcpy(dst, data + h.data_offset, bytes_);
  return {};
}

}  // namespace tl
