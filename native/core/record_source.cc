#include "core/record_source.h"

#include <algorithm>
#include <utility>

#include "core/stage_times.h"
#include "core/worker_scratch.h"

namespace tl {
namespace {

bool all_mapped(const RecordView* views, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!views[i].mapped) return false;
  }
  return true;
}

}  // namespace

RecordSource::RecordSource(std::shared_ptr<const RecordReader> reader, std::vector<FieldOutput> outputs)
    : reader_(std::move(reader)) {
  set_outputs(std::move(outputs));
}

void RecordSource::set_outputs(std::vector<FieldOutput> outputs) {
  outputs_ = std::move(outputs);
  item_bytes_ = 0;
  for (const FieldOutput& o : outputs_) item_bytes_ += o.decoder->out_bytes();
}

ItemStatus RecordSource::fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const {
  uint8_t* dsts[1] = {dst};
  return fill_fields(item, dsts, scratch);
}

ItemStatus RecordSource::fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch& scratch) const {
  if (item.index >= reader_->length()) {
    return ItemStatus::error(Code::kNotFound, "index out of range (length " + std::to_string(reader_->length()) + ")");
  }
  RecordView views[kMaxRecordFields];
  StageLaps laps;
  ItemStatus s = reader_->read(item, scratch, views);
  // Bytes read into memory are this item's read; finding mapped records is not (their pages
  // come in when they are copied or decoded), so that time stays in the claim's rest.
  if (laps.on() && !(s.ok() && all_mapped(views, reader_->field_count()))) laps.lap(Stage::kRead);
  for (size_t out = 0; s.ok() && out < outputs_.size(); ++out) {
    s = decode_record(*outputs_[out].decoder, *reader_, views[outputs_[out].field], item, dsts[out]);
    if (!s.ok()) reader_->annotate(item, outputs_[out].field, s);
  }
  // A large file's copy goes now; the thread's small-file buffer stays for the next item.
  if (scratch.file.is_owned()) scratch.file.reset();
  return s;
}

Stage RecordSource::rest_stage() const {
  for (const FieldOutput& o : outputs_) {
    if (o.decoder->in_place()) return o.decoder->stage();
  }
  return Stage::kNone;
}

size_t RecordSource::claim_size() const {
  if (outputs_.size() == 1 && reader_->batch_size() > 1) return std::min(reader_->batch_size(), kMaxClaim);
  // Decoding an image is slow: those claim one item at a time, so stop() never waits for many.
  const bool slow = std::any_of(outputs_.begin(), outputs_.end(), [](const FieldOutput& o) { return o.decoder->slow(); });
  return slow ? 1 : std::min(reader_->claim_hint(), kMaxClaim);
}

void RecordSource::fill_many(const ItemRef* items, uint8_t* const* dsts, ItemStatus* statuses, size_t n,
                             WorkerScratch& scratch) const {
  const size_t batch = outputs_.size() == 1 ? std::min(reader_->batch_size(), kMaxClaim) : 1;
  size_t done = 0;
  RecordView views[kMaxClaim];
  while (batch > 1 && done < n) {
    const size_t m = std::min(n - done, batch);
    bool read = false;
    {
      StageTimer timer(Stage::kRead);
      read = reader_->read_many(items + done, m, scratch, views);
    }
    if (!read) break;
    // A record the batch did not read takes the plain path, which gives the status it always did.
    for (size_t j = 0; j < m; ++j) {
      const size_t k = done + j;
      if (views[j].data == nullptr) {
        statuses[k] = fill(items[k], dsts[k], scratch);
        continue;
      }
      statuses[k] = decode_record(*outputs_[0].decoder, *reader_, views[j], items[k], dsts[k]);
      if (!statuses[k].ok()) reader_->annotate(items[k], outputs_[0].field, statuses[k]);
    }
    done += m;
  }
  for (; done < n; ++done) statuses[done] = fill(items[done], dsts[done], scratch);
}

}  // namespace tl
