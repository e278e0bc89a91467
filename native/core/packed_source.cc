#include "core/packed_source.h"


#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/counters.h"
#include "core/crc32c.h"
#include "core/sigbus_guard.h"

namespace tl {
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

// Encoded records are decoded by libvips and zlib, which must not run under the SIGBUS guard:
// they get a copy made under it, in this reused per-thread buffer.
thread_local std::vector<char> t_record;

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

PackedSource::PackedSource(std::vector<std::string> paths) {
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
  if (next != first.total_records) {
    status_ = ItemStatus::error(Code::kFormat, "the shards hold " + std::to_string(next) + " records, the set has " +
                                                   std::to_string(first.total_records));
    failed_path_ = shards_.front().path;
    shards_.clear();
    return;
  }
  total_ = static_cast<size_t>(next);
  verified_.reset(new std::atomic<uint8_t>[total_ == 0 ? 1 : total_]());
  std::vector<PackedOutput> all;
  for (size_t f = 0; f < first.fields.size(); ++f) {
    PackedOutput o;
    o.field = f;
    all.push_back(o);
  }
  status_ = configure(std::move(all), VerifyMode::kFirstRead);
}

ItemStatus PackedSource::configure(std::vector<PackedOutput> outputs, VerifyMode verify) {
  if (shards_.empty()) return status_;
  if (outputs.empty()) return ItemStatus::error(Code::kFormat, "choose at least one field");
  std::vector<size_t> bytes;
  std::vector<std::unique_ptr<PixelWriter>> writers;
  std::vector<std::unique_ptr<ImageSource>> decoders;
  for (const PackedOutput& o : outputs) {
    if (o.field >= header().fields.size()) return ItemStatus::error(Code::kFormat, "no such field");
    const PackedField& fd = header().fields[o.field];
    writers.emplace_back();
    decoders.emplace_back();
    if (fd.encoding == PackedEncoding::kImage) {
      decoders.back() = std::make_unique<ImageSource>(std::vector<std::string>{}, o.image);
      bytes.push_back(decoders.back()->item_bytes());
    } else if (o.convert) {
      // [H, W] is a grey image: the same bytes as [H, W, 1].
      const bool grey = fd.shape.size() == 2;
      const bool image_like = fd.dtype == PackedDType::kUint8 && (grey || (fd.shape.size() == 3 && fd.shape[2] >= 1 && fd.shape[2] <= 4));
      if (!image_like || o.image.height != static_cast<int>(fd.shape[0]) || o.image.width != static_cast<int>(fd.shape[1]) ||
          o.image.channels != (grey ? 1 : static_cast<int>(fd.shape[2]))) {
        return ItemStatus::error(Code::kFormat, "field '" + fd.name + "' is not uint8 [height, width, channels] or [height, width]; it cannot be converted");
      }
      writers.back() = std::make_unique<PixelWriter>(o.image);
      bytes.push_back(writers.back()->item_bytes());
    } else {
      bytes.push_back(static_cast<size_t>(fd.row_bytes));
    }
  }
  outputs_ = std::move(outputs);
  output_bytes_ = std::move(bytes);
  writers_ = std::move(writers);
  decoders_ = std::move(decoders);
  decoders_any_ = std::any_of(decoders_.begin(), decoders_.end(), [](const auto& d) { return d != nullptr; });
  verify_ = verify;
  return {};
}

void PackedSource::advise(AccessPattern pattern) const {
  for (const Shard& s : shards_) s.map.advise(pattern);
}

std::vector<PackedSource::ShardInfo> PackedSource::shards() const {
  std::vector<ShardInfo> out;
  for (size_t i = 0; i < shards_.size(); ++i) {
    out.push_back(ShardInfo{shards_[i].path, starts_[i], shards_[i].header.record_count, shards_[i].map.size()});
  }
  return out;
}

size_t PackedSource::item_bytes() const {
  size_t sum = 0;
  for (size_t b : output_bytes_) sum += b;
  return sum;
}

PackedSource::Located PackedSource::locate(size_t index) const {
  const size_t s = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin()) - 1;
  return Located{&shards_[s], index - starts_[s]};
}

std::string PackedSource::describe(size_t index) const {
  if (index >= total_) return std::string();
  const Located at = locate(index);
  return at.shard->path + "#" + std::to_string(at.record);
}

// The index lives at the end of the file, the first part a truncation takes: it is read under
// the guard too, once per item, into `entries`.
ItemStatus PackedSource::read_entries(const Located& at, PackedEntry* entries) const {
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

ItemStatus PackedSource::check_record(size_t index, const Located& at, const PackedEntry* entries, bool force) const {
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

ItemStatus PackedSource::verify(size_t first, size_t n, size_t* failed) const {
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

ItemStatus PackedSource::fill_output(size_t out, const Located& at, const PackedEntry* entries, const ItemRef& item,
                                     uint8_t* dst) const {
  const PackedEntry e = entries[outputs_[out].field];
  const char* src = at.shard->map.data() + e.offset;
  auto lost = [&] { return shrunk("record " + std::to_string(at.record) + " is past its end", e.offset); };
  if (decoders_[out] != nullptr) {
    std::vector<char>& copy = t_record;
    copy.resize(e.length);
    if (!guarded_memcpy(copy.data(), src, e.length)) return lost();
    ItemStatus s = decoders_[out]->decode(copy.data(), e.length, item, dst);
    // Kept for the next record unless one outsized record made it large.
    if (copy.capacity() > (64u << 20)) std::vector<char>().swap(copy);
    return s;
  }
  if (writers_[out] != nullptr) {
    const PixelWriter* writer = writers_[out].get();
    if (!sigbus_guarded([&] { writer->write_image(reinterpret_cast<const uint8_t*>(src), dst); })) return lost();
    return {};
  }
  if (!guarded_memcpy(dst, src, e.length)) return lost();
  return {};
}

ItemStatus PackedSource::fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const {
  uint8_t* dsts[1] = {dst};
  return fill_fields(item, dsts, scratch);
}

ItemStatus PackedSource::fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch&) const {
  if (!status_.ok()) return status_;
  if (item.index >= total_) return ItemStatus::error(Code::kNotFound, "record out of range");
  const Located at = locate(item.index);
  PackedEntry entries[kPackedMaxFields];
  ItemStatus s = read_entries(at, entries);
  if (!s.ok()) return s;
  s = check_record(item.index, at, entries, false);
  if (!s.ok()) return s;
  for (size_t out = 0; out < outputs_.size(); ++out) {
    s = fill_output(out, at, entries, item, dsts[out]);
    if (!s.ok()) return s;
  }
  return {};
}

}  // namespace tl
