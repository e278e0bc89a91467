#include "core/fields_source.h"

namespace tl {

size_t FieldsSource::item_bytes() const {
  size_t sum = 0;
  for (const auto& s : sources_) sum += s->item_bytes();
  return sum;
}

ItemStatus FieldsSource::fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const {
  return sources_.front()->fill(item, dst, scratch);
}

ItemStatus FieldsSource::fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch& scratch) const {
  for (size_t f = 0; f < sources_.size(); ++f) {
    ItemStatus s = sources_[f]->fill(item, dsts[f], scratch);
    if (!s.ok()) {
      s.message = sources_[f]->describe(item.index) + ": " + s.message;
      return s;
    }
  }
  return {};
}

std::string FieldsSource::describe(size_t index) const {
  std::string out;
  for (const auto& s : sources_) out += (out.empty() ? "" : " + ") + s->describe(index);
  return out;
}

}  // namespace tl
