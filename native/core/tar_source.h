// WebDataset tar shards as a dataset: each shard is mapped once (descriptor closed at once) and
// indexed on open by its headers (tar_index.h); item i is sample i of all shards in order.
// A record is (mapped shard, offset, length): its bytes are copied out of the mapping under
// the SIGBUS guard, then an image field goes through the image pipeline straight into its
// plane of the slot, a label field ("cls") is parsed as an int32, an array field ("npy") is
// a .npy row checked against the dtype and shape of the first sample.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/image_options.h"
#include "core/image_source.h"
#include "core/item_source.h"
#include "core/mapped_file.h"
#include "core/npy_header.h"
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

class TarSource final : public ItemSource {
 public:
  // Maps and indexes every shard. Check status() (and failed_path()).
  TarSource(std::vector<std::string> paths, const TarLimits& limits);
  const ItemStatus& status() const { return status_; }
  const std::string& failed_path() const { return failed_path_; }

  // Chooses the fields; every sample must have one of each field's extensions (the error
  // names shard and key). Array fields take dtype and shape from the first sample's member.
  ItemStatus configure(std::vector<TarFieldSpec> fields);
  // dtype and shape of an array field (after configure).
  const NpyHeader* array_header(size_t field) const;

  struct ShardInfo {
    std::string path;
    uint64_t first_sample;
    uint64_t samples;
    uint64_t bytes;
  };
  std::vector<ShardInfo> shards() const;
  // The key of sample `index`.
  std::string key(size_t index) const;
  // The member of sample `index` with extension `ext` (copied out of the mapping), or false
  // (status ok) when the sample has none.
  bool member(size_t index, const std::string& ext, std::vector<char>& out, ItemStatus& status) const;
  // The lowercased extensions sample `index` holds.
  std::vector<std::string> extensions(size_t index) const;

  size_t length() const override { return total_; }
  size_t item_bytes() const override;
  size_t field_count() const override { return fields_.size(); }
  size_t field_bytes(size_t field) const override { return field_bytes_[field]; }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  ItemStatus fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch& scratch) const override;
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
  const TarField* find(const Located& at, const std::string& ext) const;
  ItemStatus copy_member(const Shard& shard, const TarField& f, std::vector<char>& out) const;
  ItemStatus fill_field(size_t field, const Located& at, const ItemRef& item, uint8_t* dst) const;

  std::vector<Shard> shards_;
  std::vector<uint64_t> starts_;  // first global sample of each shard
  size_t total_ = 0;
  std::vector<TarFieldSpec> fields_;
  std::vector<size_t> field_bytes_;
  std::vector<std::unique_ptr<ImageSource>> decoders_;
  std::vector<NpyHeader> arrays_;
  // Per field and sample, the index into the shard's fields of the member that field reads.
  std::vector<std::vector<uint32_t>> chosen_;
  ItemStatus status_;
  std::string failed_path_;
};

}  // namespace tl
