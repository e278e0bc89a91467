// WebDataset tar shards as a dataset: each shard is mapped once (descriptor closed at once) and
// indexed on open by its headers (tar_index.h); item i is sample i of all shards in order.
// The shards are a record reader whose records are (mapped shard, member offset, length), one
// per chosen field; the decoders are the shared ones: an image field goes through the image
// pipeline, a label field ("cls") is parsed as an int32, an array field ("npy") is a whole .npy
// member that must have the dtype and shape of the first sample's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/image_options.h"
#include "core/npy_header.h"
#include "core/record_source.h"
#include "core/tar_index.h"

namespace tl {

enum class TarFieldKind { kImage, kLabel, kArray };

// One output field: the first of `exts` a sample has is read.
struct TarFieldSpec {
  std::string name;
  std::vector<std::string> exts;  // lowercased
  TarFieldKind kind = TarFieldKind::kImage;
  ImageOptions image;             // kImage
};

struct TarShardInfo {
  std::string path;
  uint64_t first_sample;
  uint64_t samples;
  uint64_t bytes;
};

class TarShards;  // the mapped, indexed shards as a record reader (tar_source.cc)

class TarSource final : public RecordSource {
 public:
  // Maps and indexes every shard. Check status() (and failed_path()).
  TarSource(std::vector<std::string> paths, const TarLimits& limits);
  const ItemStatus& status() const;
  const std::string& failed_path() const;

  // Chooses the fields (call before any read); every sample must have one of each field's
  // extensions (the error names shard and key). Array fields take dtype and shape from the
  // first sample's member.
  ItemStatus configure(std::vector<TarFieldSpec> fields);
  // dtype and shape of an array field (after configure).
  const NpyHeader* array_header(size_t field) const;

  using ShardInfo = TarShardInfo;
  std::vector<ShardInfo> shards() const;
  // The key of sample `index`.
  std::string key(size_t index) const;
  // The member of sample `index` with extension `ext` (copied out of the mapping), or false
  // (status ok) when the sample has none.
  bool member(size_t index, const std::string& ext, std::vector<char>& out, ItemStatus& status) const;
  // The lowercased extensions sample `index` holds.
  std::vector<std::string> extensions(size_t index) const;

 private:
  explicit TarSource(std::shared_ptr<TarShards> shards);
  std::shared_ptr<TarShards> shards_;
  std::vector<TarFieldKind> kinds_;
  std::vector<NpyHeader> arrays_;
};

}  // namespace tl
