#include "core/packed_source.h"


#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/crc32c.h"
#include "core/field_decoder.h"
#include "core/image_pipeline.h"
#include "core/sigbus_guard.h"

namespace tl {

static_assert(kPackedMaxFields <= kMaxRecordFields, "a packed record's fields fit in one read");

namespace {

ItemStatus open_shard(const std::string& path, MappedFile& map, PackedHeader& header) {
  ItemStatus s = MappedFile::map_path(path, "a packed file", AccessPattern::kRandom, map);
  if (!s.ok()) return s;
  // A file being cut loses its end first: if its last byte is still there, so is the rest.
  const char* data = map.data();
  const size_t size = map.size();
  volatile char sink = 0;
  if (!sigbus_guarded([&] { sink = static_cast<char>(data[0] ^ data[size - 1]); })) {
    map.reset();
    return ItemStatus::error(Code::kShrunk, "the file was truncated while it was being opened");
  }
  (void)sink;
  return parse_packed(data, size, header);
}

ItemStatus shrunk(const std::string& what, uint64_t offset) {
  return ItemStatus::error(Code::kShrunk, "the file was truncated while mapped (" + what + ")", static_cast<int64_t>(offset));
}

bool same_fields(const PackedHeader& a, const PackedHeader& b) {
  if (a.fields.size() != b.fields.size()) return false;
  for (size_t f = 0; f < a.fields.size(); ++f) {
    const PackedField& x = a.fields[f];
    const PackedField& y = b.fields[f];
    if (x.name != y.name || x.dtype != y.dtype || x.encoding != y.encoding || x.shape != y.shape) return false;
  }
  return true;
}

}  // namespace

// The shards, in order, as one record reader: record i is found by binary search over the
// shards' first records, its index entries read under the SIGBUS guard, its checksum checked
// according to the verify mode, and every stored field handed out as a view of the mapping.
class PackedShards final : public RecordReader {
 public:
  PackedShards(std::vector<std::string> paths, bool subset);
  const ItemStatus& status() const { return status_; }
  const std::string& failed_path() const { return failed_path_; }
  const PackedHeader& header() const { return shards_.front().header; }
  bool open() const { return !shards_.empty(); }
  void set_verify(VerifyMode mode) { verify_ = mode; }
  void advise(AccessPattern pattern) const {
    for (const Shard& s : shards_) s.map.advise(pattern);
  }
  std::vector<PackedShardInfo> shards() const;
  ItemStatus verify(size_t first, size_t n, size_t* failed) const;

  size_t length() const override { return total_; }
  size_t field_count() const override { return open() ? header().fields.size() : 1; }
  ItemStatus read(const ItemRef& item, WorkerScratch& scratch, RecordView* fields) const override;
  ItemStatus truncated(const ItemRef& item, const RecordView& view) const override {
    return shrunk("record " + std::to_string(locate(item.index).record) + " is past its end", view.offset);
  }
  std::string describe(size_t index) const override;
  // Copies and conversions of mapped records are short: claim many at once.
  size_t claim_hint() const override { return kMaxClaim; }

 private:
  struct Shard {
    std::string path;
    MappedFile map;
    PackedHeader header;
  };
  struct Located {
    const Shard* shard;
    uint64_t record;  // within the shard
  };
  Located locate(size_t index) const;
  ItemStatus read_entries(const Located& at, PackedEntry* entries) const;
  ItemStatus check_record(size_t index, const Located& at, const PackedEntry* entries, bool force) const;

  std::vector<Shard> shards_;
  std::vector<uint64_t> starts_;  // first global record of each shard
  size_t total_ = 0;
  VerifyMode verify_ = VerifyMode::kFirstRead;
  std::unique_ptr<std::atomic<uint8_t>[]> verified_;
  ItemStatus status_;
  std::string failed_path_;
};

PackedShards::PackedShards(std::vector<std::string> paths, bool subset) {
  if (paths.empty()) {
    status_ = ItemStatus::error(Code::kNotFound, "no packed files given");
    return;
  }
  shards_.reserve(paths.size());
  for (std::string& path : paths) {
    Shard shard;
    shard.path = std::move(path);
    status_ = open_shard(shard.path, shard.map, shard.header);
    if (!status_.ok()) {
      failed_path_ = shard.path;
      shards_.clear();
      return;
    }
    shards_.push_back(std::move(shard));
  }
  std::sort(shards_.begin(), shards_.end(),
            [](const Shard& a, const Shard& b) { return a.header.shard_number < b.header.shard_number; });
  const PackedHeader& first = shards_.front().header;
  uint64_t next = 0;
  for (size_t i = 0; i < shards_.size(); ++i) {
    const PackedHeader& h = shards_[i].header;
    std::string problem;
    if (h.set_id != first.set_id) {
      problem = "belongs to another pack than " + shards_.front().path;
    } else if (subset) {
      if (!same_fields(h, first)) problem = "does not continue the set (fields differ)";
    } else if (h.shard_count != shards_.size()) {
      problem = "is shard " + std::to_string(h.shard_number + 1) + " of " + std::to_string(h.shard_count) + " but " +
                std::to_string(shards_.size()) + " shards were given";
    } else if (h.shard_number != i) {
      problem = "repeats shard " + std::to_string(h.shard_number + 1) + "; shard " + std::to_string(i + 1) + " is missing";
    } else if (h.first_record != next || h.total_records != first.total_records || !same_fields(h, first)) {
      problem = "does not continue the set (record numbering or fields differ)";
    }
    if (!problem.empty()) {
      status_ = ItemStatus::error(Code::kFormat, "shard " + problem);
      failed_path_ = shards_[i].path;
      shards_.clear();
      return;
    }
    starts_.push_back(next);
    next += h.record_count;
  }
  if (!subset && next != first.total_records) {
    status_ = ItemStatus::error(Code::kFormat, "the shards hold " + std::to_string(next) + " records, the set has " +
                                                   std::to_string(first.total_records));
    failed_path_ = shards_.front().path;
    shards_.clear();
    return;
  }
  total_ = static_cast<size_t>(next);
  verified_.reset(new std::atomic<uint8_t>[total_ == 0 ? 1 : total_]());
}

std::vector<PackedShardInfo> PackedShards::shards() const {
  std::vector<PackedShardInfo> out;
  for (size_t i = 0; i < shards_.size(); ++i) {
    out.push_back(PackedShardInfo{shards_[i].path, starts_[i], shards_[i].header.record_count, shards_[i].map.size()});
  }
  return out;
}

PackedShards::Located PackedShards::locate(size_t index) const {
  const size_t s = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin()) - 1;
  return Located{&shards_[s], index - starts_[s]};
}

std::string PackedShards::describe(size_t index) const {
  if (index >= total_) return std::string();
  const Located at = locate(index);
  return at.shard->path + "#" + std::to_string(at.record);
}

// The index lives at the end of the file, the first part a truncation takes: it is read under
// the guard too, once per item, into `entries`.
ItemStatus PackedShards::read_entries(const Located& at, PackedEntry* entries) const {
  const PackedHeader& h = at.shard->header;
  const char* data = at.shard->map.data();
  const size_t fields = h.fields.size();
  if (!sigbus_guarded([&] {
        for (size_t f = 0; f < fields; ++f) entries[f] = packed_entry(data, h, at.record, f);
      })) {
    return shrunk("the index entry of record " + std::to_string(at.record) + " is past its end",
                  h.index_offset + at.record * fields * kPackedIndexEntryBytes);
  }
  return {};
}

ItemStatus PackedShards::check_record(size_t index, const Located& at, const PackedEntry* entries, bool force) const {
  if (!force) {
    if (verify_ == VerifyMode::kNever) return {};
    if (verify_ == VerifyMode::kFirstRead && verified_[index].load(std::memory_order_relaxed) != 0) return {};
  }
  const PackedHeader& h = at.shard->header;
  for (size_t f = 0; f < h.fields.size(); ++f) {
    const PackedEntry e = entries[f];
    uint32_t crc = 0;
    if (!sigbus_guarded([&] { crc = crc32c(0, at.shard->map.data() + e.offset, e.length); })) {
      return shrunk("record " + std::to_string(at.record) + " is past its end", e.offset);
    }
    if (crc != e.crc) {
      return ItemStatus::error(Code::kDecode,
                               "record " + std::to_string(at.record) + " field '" + h.fields[f].name +
                                   "' fails its checksum (the file is corrupt; pack it again)",
                               static_cast<int64_t>(e.offset));
    }
  }
  verified_[index].store(1, std::memory_order_relaxed);
  return {};
}

ItemStatus PackedShards::verify(size_t first, size_t n, size_t* failed) const {
  if (!status_.ok()) return status_;
  PackedEntry entries[kPackedMaxFields];
  for (size_t i = first; i < first + n && i < total_; ++i) {
    const Located at = locate(i);
    ItemStatus s = read_entries(at, entries);
    if (s.ok()) s = check_record(i, at, entries, true);
    if (!s.ok()) {
      *failed = i;
      return s;
    }
  }
  return {};
}

ItemStatus PackedShards::read(const ItemRef& item, WorkerScratch&, RecordView* fields) const {
  if (!status_.ok()) return status_;
  const Located at = locate(item.index);
  PackedEntry entries[kPackedMaxFields];
  ItemStatus s = read_entries(at, entries);
  if (s.ok()) s = check_record(item.index, at, entries, false);
  if (!s.ok()) return s;
  const char* data = at.shard->map.data();
  for (size_t f = 0; f < at.shard->header.fields.size(); ++f) {
    fields[f] = RecordView{data + entries[f].offset, entries[f].length, true, entries[f].offset};
  }
  return {};
}

namespace {

// Every stored field, raw: what a set reads before configure().
std::vector<PackedOutput> all_fields(const PackedShards& set) {
  std::vector<PackedOutput> all;
  if (!set.open()) return all;
  for (size_t f = 0; f < set.header().fields.size(); ++f) {
    PackedOutput o;
    o.field = f;
    all.push_back(o);
  }
  return all;
}

// The decoder of one output: an image field through the pipeline, a converted raw field
// through a PixelWriter, any other raw field copied. Null with `error` set when the field
// cannot be converted.
std::shared_ptr<const FieldDecoder> output_decoder(const PackedField& fd, const PackedOutput& o, ItemStatus& error) {
  if (fd.encoding == PackedEncoding::kImage) return std::make_shared<ImagePipeline>(o.image);
  if (!o.convert) return std::make_shared<RawCopyDecoder>(static_cast<size_t>(fd.row_bytes));
  // [H, W] is a grey image: the same bytes as [H, W, 1].
  const bool grey = fd.shape.size() == 2;
  const bool image_like = fd.dtype == PackedDType::kUint8 && (grey || (fd.shape.size() == 3 && fd.shape[2] >= 1 && fd.shape[2] <= 4));
  if (!image_like || o.image.height != static_cast<int>(fd.shape[0]) || o.image.width != static_cast<int>(fd.shape[1]) ||
      o.image.channels != (grey ? 1 : static_cast<int>(fd.shape[2]))) {
    error = ItemStatus::error(Code::kFormat,
                              "field '" + fd.name + "' is not uint8 [height, width, channels] or [height, width]; it cannot be converted");
    return nullptr;
  }
  return std::make_shared<PixelConvertDecoder>(o.image);
}

}  // namespace

PackedSource::PackedSource(std::vector<std::string> paths, bool subset)
    : PackedSource(std::make_shared<PackedShards>(std::move(paths), subset)) {}

PackedSource::PackedSource(std::shared_ptr<PackedShards> set) : RecordSource(set, {}), set_(std::move(set)) {
  if (set_->open()) {
    ItemStatus s = configure(all_fields(*set_), VerifyMode::kFirstRead);
    (void)s;  // every stored field, raw, is always a valid configuration
    configured_ = false;  // the default; the user's configure() may still replace it once
  }
}

ItemStatus PackedSource::configure(const std::vector<PackedOutput>& outputs, VerifyMode verify) {
  if (configured_) return ItemStatus::error(Code::kInvalidArgument, "configure() runs once, before any read");
  if (!set_->open()) return set_->status();
  if (outputs.empty()) return ItemStatus::error(Code::kFormat, "choose at least one field");
  std::vector<FieldOutput> decoders;
  for (const PackedOutput& o : outputs) {
    if (o.field >= header().fields.size()) return ItemStatus::error(Code::kFormat, "no such field");
    ItemStatus error;
    std::shared_ptr<const FieldDecoder> decoder = output_decoder(header().fields[o.field], o, error);
    if (!decoder) return error;
    decoders.push_back(FieldOutput{o.field, std::move(decoder)});
  }
  set_outputs(std::move(decoders));
  set_->set_verify(verify);
  configured_ = true;
  return {};
}

const ItemStatus& PackedSource::status() const { return set_->status(); }
const std::string& PackedSource::failed_path() const { return set_->failed_path(); }
const PackedHeader& PackedSource::header() const { return set_->header(); }
void PackedSource::advise(AccessPattern pattern) const { set_->advise(pattern); }
std::vector<PackedSource::ShardInfo> PackedSource::shards() const { return set_->shards(); }
ItemStatus PackedSource::verify(size_t first, size_t n, size_t* failed) const { return set_->verify(first, n, failed); }

}  // namespace tl
