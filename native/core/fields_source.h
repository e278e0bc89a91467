// Several sources of equal length read as one dataset of several fields (x.npy and y.npy, an
// image folder and a label array): item i is item i of every source, each in its own plane.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/item_source.h"

namespace tl {

class FieldsSource final : public ItemSource {
 public:
  // Every source must be single-field and of the same length (checked by the caller).
  explicit FieldsSource(std::vector<std::shared_ptr<const ItemSource>> sources) : sources_(std::move(sources)) {}

  size_t length() const override { return sources_.front()->length(); }
  size_t item_bytes() const override;
  size_t field_count() const override { return sources_.size(); }
  size_t field_bytes(size_t field) const override { return sources_[field]->item_bytes(); }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  ItemStatus fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch& scratch) const override;
  std::string describe(size_t index) const override;
  Stage rest_stage() const override { return sources_.front()->rest_stage(); }

 private:
  std::vector<std::shared_ptr<const ItemSource>> sources_;
};

}  // namespace tl
