// A packed set (one or more shards made by PackWriter) as a dataset: each shard is mapped once
// (descriptor closed at once) and validated on open; item i is record i of the whole set.
// Raw fields are copied from the mapping into their plane of the slot, or converted on the
// way (uint8 HWC images to float32/float16, CHW, scale, mean/std); image fields hold encoded
// bytes that the image pipeline decodes from the mapping. A record's CRC-32C is checked on its
// first read (or every read, or never), so a flipped bit gives an error naming shard and record.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/image_options.h"
#include "core/image_source.h"
#include "core/item_source.h"
#include "core/mapped_file.h"
#include "core/packed_format.h"
#include "core/pixel_writer.h"

namespace tl {

enum class VerifyMode { kNever, kFirstRead, kAlways };

// How one stored field reaches the batch.
struct PackedOutput {
  size_t field = 0;        // index into the shards' field table
  bool convert = false;    // raw uint8 [H, W, C] through a PixelWriter
  ImageOptions image;      // convert, or decode an image field
};

class PackedSource final : public ItemSource {
 public:
  // Opens, maps and validates every shard; they must be one complete set (same set id and
  // fields, shard numbers 0..n-1 in order), or with `subset` any shards of one set (same set id
  // and fields: a reader streaming a remote set shard by shard). Check status().
  explicit PackedSource(std::vector<std::string> paths, bool subset = false);
  const ItemStatus& status() const { return status_; }
  const std::string& failed_path() const { return failed_path_; }
  // The first shard's header: fields, meta, totals.
  const PackedHeader& header() const { return shards_.front().header; }

  // Chooses what items contain (default: every field, raw). Call before any read.
  ItemStatus configure(std::vector<PackedOutput> outputs, VerifyMode verify);
  void advise(AccessPattern pattern) const;

  struct ShardInfo {
    std::string path;
    uint64_t first_record;
    uint64_t records;
    uint64_t bytes;
  };
  std::vector<ShardInfo> shards() const;

  size_t length() const override { return total_; }
  size_t item_bytes() const override;
  size_t field_count() const override { return outputs_.size(); }
  size_t field_bytes(size_t field) const override { return output_bytes_[field]; }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  // Copies and conversions are short: claim many at once (fewer trips through the pool's
  // lock); decoding an encoded image is not, so those claim one.
  size_t claim_size() const override { return decoders_any_ ? 1 : kMaxClaim; }
  ItemStatus fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch& scratch) const override;
  std::string describe(size_t index) const override;

  // Checks the CRC of records [first, first + n) now; the first failure, and its index in
  // *failed.
  ItemStatus verify(size_t first, size_t n, size_t* failed) const;

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
  ItemStatus fill_output(size_t out, const Located& at, const PackedEntry* entries, const ItemRef& item, uint8_t* dst) const;

  std::vector<Shard> shards_;
  std::vector<uint64_t> starts_;  // first global record of each shard
  size_t total_ = 0;
  std::vector<PackedOutput> outputs_;
  std::vector<size_t> output_bytes_;
  std::vector<std::unique_ptr<PixelWriter>> writers_;
  std::vector<std::unique_ptr<ImageSource>> decoders_;
  VerifyMode verify_ = VerifyMode::kFirstRead;
  bool decoders_any_ = false;
  std::unique_ptr<std::atomic<uint8_t>[]> verified_;
  ItemStatus status_;
  std::string failed_path_;
};

}  // namespace tl
