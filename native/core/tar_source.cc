#include "core/tar_source.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/sigbus_guard.h"

namespace tl {
namespace {

// A member larger than this is no training record; refusing it bounds what one item can make
// a pool thread allocate (as image files are bounded).
constexpr uint64_t kMaxMemberBytes = 1ULL << 30;

// Member bytes are handed to libvips, zlib and the parsers, which must not run under the
// SIGBUS guard: they get a copy made under it, in this reused per-thread buffer.
thread_local std::vector<char> t_member;

ItemStatus index_shard(const std::string& path, const TarLimits& limits, MappedFile& map, TarIndex& index) {
  ItemStatus s = MappedFile::map_path(path, "a tar file", AccessPattern::kRandom, map);
  if (!s.ok()) return s;
  const char* data = map.data();
  const size_t size = map.size();
  // Only header blocks are touched, each copied out under the guard: a file cut while it is
  // being indexed gives ESHRUNK, never a crash.
  return scan_tar(
      [&](uint64_t offset, size_t n, char* dst) {
        if (offset > size || n > size - offset) return ItemStatus::error(Code::kTruncated, "read past the end of the file");
        if (!guarded_memcpy(dst, data + offset, n)) {
          return ItemStatus::error(Code::kShrunk, "the file was truncated while it was being indexed");
        }
        return ItemStatus{};
      },
      size, limits, index);
}

// A WebDataset class label: an integer in decimal text, surrounding whitespace allowed.
ItemStatus parse_label(const char* p, size_t n, int32_t& out) {
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  size_t a = 0;
  size_t b = n;
  while (a < b && space(p[a])) ++a;
  while (b > a && space(p[b - 1])) --b;
  const bool negative = a < b && p[a] == '-';
  size_t i = negative || (a < b && p[a] == '+') ? a + 1 : a;
  if (i >= b || b - i > 10) {
    return ItemStatus::error(Code::kParse, "class label '" + std::string(p + a, std::min<size_t>(b - a, 40)) + "' is not an int32");
  }
  int64_t v = 0;
  for (; i < b; ++i) {
    if (p[i] < '0' || p[i] > '9') {
      return ItemStatus::error(Code::kParse, "class label '" + std::string(p + a, std::min<size_t>(b - a, 40)) + "' is not an integer");
    }
    v = v * 10 + (p[i] - '0');
  }
  if (negative) v = -v;
  if (v < INT32_MIN || v > INT32_MAX) return ItemStatus::error(Code::kParse, "class label " + std::to_string(v) + " is out of int32 range");
  out = static_cast<int32_t>(v);
  return {};
}

}  // namespace

TarSource::TarSource(std::vector<std::string> paths, const TarLimits& limits) {
  if (paths.empty()) {
    status_ = ItemStatus::error(Code::kNotFound, "no tar shards given");
    return;
  }
  shards_.reserve(paths.size());
  uint64_t next = 0;
  for (std::string& path : paths) {
    Shard shard;
    shard.path = std::move(path);
    status_ = index_shard(shard.path, limits, shard.map, shard.index);
    if (!status_.ok()) {
      failed_path_ = shard.path;
      shards_.clear();
      return;
    }
    starts_.push_back(next);
    next += shard.index.samples.size();
    shards_.push_back(std::move(shard));
  }
  if (next > UINT32_MAX) {
    status_ = ItemStatus::error(Code::kTooLarge, "the shards hold " + std::to_string(next) + " samples, over 2^32 - 1");
    failed_path_ = shards_.front().path;
    shards_.clear();
    return;
  }
  total_ = static_cast<size_t>(next);
}

ItemStatus TarSource::copy_member(const Shard& shard, const TarField& f, std::vector<char>& out) const {
  if (f.size > kMaxMemberBytes) {
    return ItemStatus::error(Code::kTooLarge, "member is " + std::to_string(f.size) + " bytes, over the limit of " +
                                                  std::to_string(kMaxMemberBytes),
                             static_cast<int64_t>(f.offset));
  }
  out.resize(static_cast<size_t>(f.size));
  if (!guarded_memcpy(out.data(), shard.map.data() + f.offset, out.size())) {
    return ItemStatus::error(Code::kShrunk, "the file was truncated while mapped", static_cast<int64_t>(f.offset));
  }
  return {};
}

TarSource::Located TarSource::locate(size_t index) const {
  const size_t s = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin()) - 1;
  return Located{&shards_[s], &shards_[s].index.samples[index - starts_[s]]};
}

const TarField* TarSource::find(const Located& at, const std::string& ext) const {
  const std::vector<TarField>& fields = at.shard->index.fields;
  for (uint32_t f = at.sample->first_field; f < at.sample->first_field + at.sample->field_count; ++f) {
    if (fields[f].ext == ext) return &fields[f];
  }
  return nullptr;
}

ItemStatus TarSource::configure(std::vector<TarFieldSpec> fields) {
  if (shards_.empty()) return status_;
  if (fields.empty()) return ItemStatus::error(Code::kFormat, "choose at least one field");
  std::vector<std::vector<uint32_t>> chosen(fields.size(), std::vector<uint32_t>(total_));
  for (size_t i = 0; i < total_; ++i) {
    const Located at = locate(i);
    for (size_t k = 0; k < fields.size(); ++k) {
      const TarField* found = nullptr;
      for (const std::string& ext : fields[k].exts) {
        if ((found = find(at, ext)) != nullptr) break;
      }
      if (found == nullptr) {
        std::string exts;
        for (const std::string& e : fields[k].exts) exts += (exts.empty() ? "" : ", ") + e;
        failed_path_ = at.shard->path;
        return ItemStatus::error(Code::kNotFound, "sample " + at.shard->path + "#" + at.sample->key + " has no member for field '" +
                                                      fields[k].name + "' (extensions " + exts + ")");
      }
      chosen[k][i] = static_cast<uint32_t>(found - at.shard->index.fields.data());
    }
  }
  std::vector<size_t> bytes;
  std::vector<std::unique_ptr<ImageSource>> decoders;
  std::vector<NpyHeader> arrays(fields.size());
  for (size_t k = 0; k < fields.size(); ++k) {
    decoders.emplace_back();
    if (fields[k].kind == TarFieldKind::kImage) {
      decoders.back() = std::make_unique<ImageSource>(std::vector<std::string>{}, fields[k].image);
      bytes.push_back(decoders.back()->item_bytes());
    } else if (fields[k].kind == TarFieldKind::kLabel) {
      bytes.push_back(sizeof(int32_t));
    } else {
      if (total_ == 0) return ItemStatus::error(Code::kEmpty, "array field '" + fields[k].name + "': the shards hold no samples");
      const Located at = locate(0);
      const TarField& f = at.shard->index.fields[chosen[k][0]];
      std::vector<char> copy;
      ItemStatus s = copy_member(*at.shard, f, copy);
      if (s.ok()) s = parse_npy_header(copy.data(), copy.size(), arrays[k]);
      if (!s.ok()) {
        s.message = at.shard->path + "#" + f.name + ": " + s.message;
        failed_path_ = at.shard->path;
        return s;
      }
      bytes.push_back(static_cast<size_t>(arrays[k].data_bytes));
    }
  }
  fields_ = std::move(fields);
  field_bytes_ = std::move(bytes);
  decoders_ = std::move(decoders);
  arrays_ = std::move(arrays);
  chosen_ = std::move(chosen);
  return {};
}

const NpyHeader* TarSource::array_header(size_t field) const {
  return field < fields_.size() && fields_[field].kind == TarFieldKind::kArray ? &arrays_[field] : nullptr;
}

std::vector<TarSource::ShardInfo> TarSource::shards() const {
  std::vector<ShardInfo> out;
  for (size_t i = 0; i < shards_.size(); ++i) {
    out.push_back(ShardInfo{shards_[i].path, starts_[i], shards_[i].index.samples.size(), shards_[i].map.size()});
  }
  return out;
}

std::string TarSource::key(size_t index) const { return index < total_ ? locate(index).sample->key : std::string(); }

std::vector<std::string> TarSource::extensions(size_t index) const {
  std::vector<std::string> out;
  if (index >= total_) return out;
  const Located at = locate(index);
  for (uint32_t f = at.sample->first_field; f < at.sample->first_field + at.sample->field_count; ++f) {
    out.push_back(at.shard->index.fields[f].ext);
  }
  return out;
}

bool TarSource::member(size_t index, const std::string& ext, std::vector<char>& out, ItemStatus& status) const {
  status = {};
  if (index >= total_) return false;
  const Located at = locate(index);
  const TarField* f = find(at, ext);
  if (f == nullptr) return false;
  status = copy_member(*at.shard, *f, out);
  if (!status.ok()) status.message = at.shard->path + "#" + f->name + ": " + status.message;
  return true;
}

size_t TarSource::item_bytes() const {
  size_t sum = 0;
  for (size_t b : field_bytes_) sum += b;
  return sum;
}

std::string TarSource::describe(size_t index) const {
  if (index >= total_) return std::string();
  const Located at = locate(index);
  return at.shard->path + "#" + at.sample->key;
}

ItemStatus TarSource::fill_field(size_t k, const Located& at, const ItemRef& item, uint8_t* dst) const {
  const TarField& f = at.shard->index.fields[chosen_[k][item.index]];
  std::vector<char>& copy = t_member;
  ItemStatus s = copy_member(*at.shard, f, copy);
  if (s.ok()) {
    if (fields_[k].kind == TarFieldKind::kImage) {
      s = decoders_[k]->decode(copy.data(), copy.size(), item, dst);
    } else if (fields_[k].kind == TarFieldKind::kLabel) {
      int32_t label = 0;
      s = parse_label(copy.data(), copy.size(), label);
      if (s.ok()) std::memcpy(dst, &label, sizeof label);
    } else {
      NpyHeader h;
      s = parse_npy_header(copy.data(), copy.size(), h);
      if (s.ok() && (h.descr != arrays_[k].descr || h.shape != arrays_[k].shape)) {
        s = ItemStatus::error(Code::kCount, "array is " + h.descr + " of another shape than the first sample's " +
                                                arrays_[k].descr + " array (every sample's must match)");
      }
      if (s.ok()) std::memcpy(dst, copy.data() + h.data_offset, static_cast<size_t>(h.data_bytes));
    }
  }
  // Kept for the next member unless one outsized member made it large.
  if (copy.capacity() > (64u << 20)) std::vector<char>().swap(copy);
  if (!s.ok()) {
    s.message = at.shard->path + "#" + f.name + ": " + s.message;
    if (s.offset < 0) s.offset = static_cast<int64_t>(f.offset);
  }
  return s;
}

ItemStatus TarSource::fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const {
  uint8_t* dsts[1] = {dst};
  return fill_fields(item, dsts, scratch);
}

ItemStatus TarSource::fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch&) const {
  if (!status_.ok()) return status_;
  if (fields_.empty()) return ItemStatus::error(Code::kFormat, "the tar source has no fields configured");
  if (item.index >= total_) return ItemStatus::error(Code::kNotFound, "sample out of range");
  const Located at = locate(item.index);
  for (size_t k = 0; k < fields_.size(); ++k) {
    ItemStatus s = fill_field(k, at, item, dsts[k]);
    if (!s.ok()) return s;
  }
  return {};
}

}  // namespace tl
