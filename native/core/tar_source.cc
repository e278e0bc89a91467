#include "core/tar_source.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/field_decoder.h"
#include "core/image_pipeline.h"
#include "core/mapped_file.h"
#include "core/sigbus_guard.h"

namespace tl {
namespace {

// A member larger than this is no training record; refusing it bounds what one item can make
// a pool thread allocate (as image files are bounded).
constexpr uint64_t kMaxMemberBytes = 1ULL << 30;

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

ItemStatus member_fits(const TarField& f) {
  if (f.size <= kMaxMemberBytes) return {};
  return ItemStatus::error(Code::kTooLarge, "member is " + std::to_string(f.size) + " bytes, over the limit of " +
                                                std::to_string(kMaxMemberBytes));
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

// A "cls" member: decimal text to one int32.
class ClassLabelDecoder final : public FieldDecoder {
 public:
  size_t out_bytes() const override { return sizeof(int32_t); }
  ItemStatus decode(const char* data, size_t size, const ItemRef&, uint8_t* dst) const override {
    int32_t label = 0;
    ItemStatus s = parse_label(data, size, label);
    if (s.ok()) std::memcpy(dst, &label, sizeof label);
    return s;
  }
};

}  // namespace

// The shards as records: record i is sample i, its stored fields the members the configured
// fields chose, each a view of the mapping (read by decode_record under the SIGBUS guard).
class TarShards final : public RecordReader {
 public:
  TarShards(std::vector<std::string> paths, const TarLimits& limits);
  const ItemStatus& status() const { return status_; }
  const std::string& failed_path() const { return failed_path_; }

  // Per field and sample, the index into the shard's members of the member that field reads.
  using Choice = std::vector<std::vector<uint32_t>>;
  // A refusal names its shard in failed_path().
  ItemStatus choose(const std::vector<TarFieldSpec>& fields, Choice& out);
  void set_failed(size_t index) { failed_path_ = locate(index).shard->path; }
  // Takes the choice; only before any read (TarSource::configure).
  void commit(Choice chosen) { chosen_ = std::move(chosen); }
  const TarField& member_at(size_t index, uint32_t member) const { return locate(index).shard->index.fields[member]; }
  // "shard#member: " before a member's error, and the member's offset when it has none.
  void name_member(size_t index, const TarField& f, ItemStatus& s) const;
  // A copy of one member made under the guard, at most kMaxMemberBytes.
  ItemStatus copy(size_t index, const TarField& f, std::vector<char>& out) const;
  const TarField* find(size_t index, const std::string& ext) const;
  std::vector<std::string> extensions(size_t index) const;
  std::string key(size_t index) const { return locate(index).sample->key; }
  std::vector<TarShardInfo> shards() const;

  size_t length() const override { return total_; }
  size_t field_count() const override { return chosen_.empty() ? 1 : chosen_.size(); }
  ItemStatus read(const ItemRef& item, WorkerScratch& scratch, RecordView* fields) const override;
  ItemStatus truncated(const ItemRef& item, const RecordView& view) const override;
  void annotate(const ItemRef& item, size_t field, ItemStatus& status) const override;
  std::string describe(size_t index) const override;

 private:
  struct Shard {
    std::string path;
    MappedFile map;
    TarIndex index;
  };
  struct Located {
    const Shard* shard;
    const TarSample* sample;
  };
  Located locate(size_t index) const;

  std::vector<Shard> shards_;
  std::vector<uint64_t> starts_;  // first global sample of each shard
  size_t total_ = 0;
  Choice chosen_;
  ItemStatus status_;
  std::string failed_path_;
};

TarShards::TarShards(std::vector<std::string> paths, const TarLimits& limits) {
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

TarShards::Located TarShards::locate(size_t index) const {
  const size_t s = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin()) - 1;
  return Located{&shards_[s], &shards_[s].index.samples[index - starts_[s]]};
}

const TarField* TarShards::find(size_t index, const std::string& ext) const {
  const Located at = locate(index);
  const std::vector<TarField>& fields = at.shard->index.fields;
  for (uint32_t f = at.sample->first_field; f < at.sample->first_field + at.sample->field_count; ++f) {
    if (fields[f].ext == ext) return &fields[f];
  }
  return nullptr;
}

std::vector<std::string> TarShards::extensions(size_t index) const {
  const Located at = locate(index);
  std::vector<std::string> out;
  for (uint32_t f = at.sample->first_field; f < at.sample->first_field + at.sample->field_count; ++f) {
    out.push_back(at.shard->index.fields[f].ext);
  }
  return out;
}

std::vector<TarShardInfo> TarShards::shards() const {
  std::vector<TarShardInfo> out;
  for (size_t i = 0; i < shards_.size(); ++i) {
    out.push_back(TarShardInfo{shards_[i].path, starts_[i], shards_[i].index.samples.size(), shards_[i].map.size()});
  }
  return out;
}

ItemStatus TarShards::choose(const std::vector<TarFieldSpec>& fields, Choice& out) {
  if (!status_.ok()) return status_;
  if (fields.empty()) return ItemStatus::error(Code::kFormat, "choose at least one field");
  if (fields.size() > kMaxRecordFields) {
    return ItemStatus::error(Code::kInvalidArgument, "at most " + std::to_string(kMaxRecordFields) + " fields");
  }
  Choice chosen(fields.size(), std::vector<uint32_t>(total_));
  for (size_t i = 0; i < total_; ++i) {
    const Located at = locate(i);
    for (size_t k = 0; k < fields.size(); ++k) {
      const TarField* found = nullptr;
      for (const std::string& ext : fields[k].exts) {
        if ((found = find(i, ext)) != nullptr) break;
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
  out = std::move(chosen);
  return {};
}

ItemStatus TarShards::copy(size_t index, const TarField& f, std::vector<char>& out) const {
  ItemStatus s = member_fits(f);
  if (s.ok()) {
    out.resize(static_cast<size_t>(f.size));
    if (!guarded_memcpy(out.data(), locate(index).shard->map.data() + f.offset, out.size())) {
      s = ItemStatus::error(Code::kShrunk, "the file was truncated while mapped");
    }
  }
  if (!s.ok()) name_member(index, f, s);
  return s;
}

ItemStatus TarShards::read(const ItemRef& item, WorkerScratch&, RecordView* fields) const {
  if (!status_.ok()) return status_;
  if (chosen_.empty()) return ItemStatus::error(Code::kFormat, "the tar source has no fields configured");
  const Located at = locate(item.index);
  for (size_t k = 0; k < chosen_.size(); ++k) {
    const TarField& f = at.shard->index.fields[chosen_[k][item.index]];
    ItemStatus s = member_fits(f);
    if (!s.ok()) {
      name_member(item.index, f, s);
      return s;
    }
    fields[k] = RecordView{at.shard->map.data() + f.offset, static_cast<size_t>(f.size), true, f.offset};
  }
  return {};
}

ItemStatus TarShards::truncated(const ItemRef&, const RecordView& view) const {
  // annotate() adds the member's name.
  return ItemStatus::error(Code::kShrunk, "the file was truncated while mapped", static_cast<int64_t>(view.offset));
}

void TarShards::annotate(const ItemRef& item, size_t field, ItemStatus& status) const {
  name_member(item.index, member_at(item.index, chosen_[field][item.index]), status);
}

void TarShards::name_member(size_t index, const TarField& f, ItemStatus& s) const {
  s.message = locate(index).shard->path + "#" + f.name + ": " + s.message;
  if (s.offset < 0) s.offset = static_cast<int64_t>(f.offset);
}

std::string TarShards::describe(size_t index) const {
  if (index >= total_) return std::string();
  const Located at = locate(index);
  return at.shard->path + "#" + at.sample->key;
}

TarSource::TarSource(std::vector<std::string> paths, const TarLimits& limits)
    : TarSource(std::make_shared<TarShards>(std::move(paths), limits)) {}

TarSource::TarSource(std::shared_ptr<TarShards> shards) : RecordSource(shards, {}), shards_(std::move(shards)) {}

const ItemStatus& TarSource::status() const { return shards_->status(); }
const std::string& TarSource::failed_path() const { return shards_->failed_path(); }

ItemStatus TarSource::configure(std::vector<TarFieldSpec> fields) {
  TarShards::Choice chosen;
  ItemStatus s = shards_->choose(fields, chosen);
  if (!s.ok()) return s;
  std::vector<FieldOutput> outputs;
  std::vector<TarFieldKind> kinds;
  std::vector<NpyHeader> arrays(fields.size());
  for (size_t k = 0; k < fields.size(); ++k) {
    kinds.push_back(fields[k].kind);
    if (fields[k].kind == TarFieldKind::kImage) {
      outputs.push_back(FieldOutput{k, std::make_shared<ImagePipeline>(fields[k].image)});
    } else if (fields[k].kind == TarFieldKind::kLabel) {
      outputs.push_back(FieldOutput{k, std::make_shared<ClassLabelDecoder>()});
    } else {
      if (length() == 0) return ItemStatus::error(Code::kEmpty, "array field '" + fields[k].name + "': the shards hold no samples");
      // The first sample's header fixes the field; every other member must match it.
      std::vector<char> first;
      const TarField& f = shards_->member_at(0, chosen[k][0]);
      s = shards_->copy(0, f, first);
      if (s.ok()) {
        s = parse_npy_header(first.data(), first.size(), arrays[k]);
        if (!s.ok()) shards_->name_member(0, f, s);
      }
      if (!s.ok()) {
        shards_->set_failed(0);
        return s;
      }
      outputs.push_back(FieldOutput{k, std::make_shared<NpyFileDecoder>(arrays[k].type, arrays[k].shape)});
    }
  }
  shards_->commit(std::move(chosen));
  set_outputs(std::move(outputs));
  kinds_ = std::move(kinds);
  arrays_ = std::move(arrays);
  return {};
}

const NpyHeader* TarSource::array_header(size_t field) const {
  return field < kinds_.size() && kinds_[field] == TarFieldKind::kArray ? &arrays_[field] : nullptr;
}

std::vector<TarSource::ShardInfo> TarSource::shards() const { return shards_->shards(); }

std::string TarSource::key(size_t index) const { return index < length() ? shards_->key(index) : std::string(); }

std::vector<std::string> TarSource::extensions(size_t index) const {
  return index < length() ? shards_->extensions(index) : std::vector<std::string>{};
}

bool TarSource::member(size_t index, const std::string& ext, std::vector<char>& out, ItemStatus& status) const {
  status = {};
  if (index >= length()) return false;
  const TarField* f = shards_->find(index, ext);
  if (f == nullptr) return false;
  status = shards_->copy(index, *f, out);
  return true;
}

}  // namespace tl
