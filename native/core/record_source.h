// A source made of a record reader and one decoder per output field: item i is record i, each
// output decoding one stored field into its plane of the slot. Text files, image files, .npy
// rows and packed records are all this; a new kind of storage is a new RecordReader.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/field_decoder.h"
#include "core/item_source.h"
#include "core/record_reader.h"

namespace tl {

// One output field: which stored field it reads, and what it becomes.
struct FieldOutput {
  size_t field = 0;
  std::shared_ptr<const FieldDecoder> decoder;
};

class RecordSource : public ItemSource {
 public:
  // Every output's field must be below reader->field_count() (checked by the caller).
  RecordSource(std::shared_ptr<const RecordReader> reader, std::vector<FieldOutput> outputs);

  size_t length() const override { return reader_->length(); }
  size_t item_bytes() const override { return item_bytes_; }
  size_t field_count() const override { return outputs_.size(); }
  size_t field_bytes(size_t field) const override { return outputs_[field].decoder->out_bytes(); }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  ItemStatus fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch& scratch) const override;
  size_t claim_size() const override;
  void fill_many(const ItemRef* items, uint8_t* const* dsts, ItemStatus* statuses, size_t n,
                 WorkerScratch& scratch) const override;
  std::string describe(size_t index) const override { return reader_->describe(index); }
  // The stage of the first output decoded in place from mapped bytes, which is not timed per item.
  Stage rest_stage() const override;

  const RecordReader& reader() const { return *reader_; }
  const FieldDecoder& decoder(size_t output) const { return *outputs_[output].decoder; }

 protected:
  // Replaces the outputs; only before any read (PackedSource::configure).
  void set_outputs(std::vector<FieldOutput> outputs);

 private:
  std::shared_ptr<const RecordReader> reader_;
  std::vector<FieldOutput> outputs_;
  size_t item_bytes_ = 0;
};

}  // namespace tl
