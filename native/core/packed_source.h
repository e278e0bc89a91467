// A packed set (one or more shards made by PackWriter) as a dataset: each shard is mapped once
// (descriptor closed at once) and validated on open; item i is record i of the whole set.
// Raw fields are copied from the mapping into their plane of the slot, or converted on the
// way (uint8 HWC images to float32/float16, CHW, scale, mean/std); image fields hold encoded
// bytes that the image pipeline decodes from the mapping. A record's CRC-32C is checked on its
// first read (or every read, or never), so a flipped bit gives an error naming shard and record.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/image_options.h"
#include "core/mapped_file.h"
#include "core/packed_format.h"
#include "core/record_source.h"

namespace tl {

enum class VerifyMode { kNever, kFirstRead, kAlways };

// How one stored field reaches the batch.
struct PackedOutput {
  size_t field = 0;        // index into the shards' field table
  bool convert = false;    // raw uint8 [H, W, C] through a PixelWriter
  ImageOptions image;      // convert, or decode an image field
};

struct PackedShardInfo {
  std::string path;
  uint64_t first_record;
  uint64_t records;
  uint64_t bytes;
};

class PackedShards;  // the mapped shard set as a record reader (packed_source.cc)

class PackedSource final : public RecordSource {
 public:
  // Opens, maps and validates every shard; they must be one complete set (same set id and
  // fields, shard numbers 0..n-1 in order), or with `subset` any shards of one set (same set id
  // and fields: a reader streaming a remote set shard by shard). Check status().
  explicit PackedSource(std::vector<std::string> paths, bool subset = false);
  const ItemStatus& status() const;
  const std::string& failed_path() const;
  // The first shard's header: fields, meta, totals.
  const PackedHeader& header() const;

  // Chooses what items contain (default: every field, raw). Once, before any read: loaders
  // share the source and only read it, so a second call is refused.
  ItemStatus configure(const std::vector<PackedOutput>& outputs, VerifyMode verify);
  void advise(AccessPattern pattern) const;

  using ShardInfo = PackedShardInfo;
  std::vector<ShardInfo> shards() const;

  // Checks the CRC of records [first, first + n) now; the first failure, and its index in
  // *failed.
  ItemStatus verify(size_t first, size_t n, size_t* failed) const;

 private:
  explicit PackedSource(std::shared_ptr<PackedShards> set);
  std::shared_ptr<PackedShards> set_;
  bool configured_ = false;
};

}  // namespace tl
