// Writes one packed shard (format: packed_format.h). The bytes go to an unnamed O_TMPFILE in
// the output's directory (a named temporary where the filesystem has none), so a pack killed
// at any point leaves no file that could be mistaken for output; commit() writes the index and
// header and fsyncs, publish() links the file under its final name with one rename and fsyncs
// the directory. The destructor of an unpublished writer removes what it wrote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/packed_format.h"
#include "core/status.h"
#include "core/unique_fd.h"

namespace tl {

// One field's values for a row group: raw bytes (n values back to back) or, for an image
// field, n paths whose bytes are stored as they are.
struct GroupColumn {
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  std::vector<std::string> files;
};

class PackWriter {
 public:
  // `fields` and `meta` as they will be stored; record counts and identity come at commit().
  static ItemStatus create(const std::string& directory, std::vector<PackedField> fields, std::string meta,
                           std::unique_ptr<PackWriter>& out);
  ~PackWriter();
  PackWriter(const PackWriter&) = delete;
  PackWriter& operator=(const PackWriter&) = delete;

  // Appends a row group of n records, one column per field (files are read here, on the
  // calling thread). On error nothing of the group is recorded and the writer stays usable.
  ItemStatus write_group(size_t n, const std::vector<GroupColumn>& columns);

  // Writes index and header with the identity of the whole set, then fsyncs.
  ItemStatus commit(uint64_t set_id, uint64_t first_record, uint64_t total_records, uint32_t shard_number,
                    uint32_t shard_count);
  // Gives the committed file its final name (replacing what was there) and fsyncs the directory.
  ItemStatus publish(const std::string& path);

  uint64_t records() const { return records_; }
  // Bytes written so far; after commit(), the file's size.
  uint64_t bytes() const { return end_; }
  // CRC-32C over every record CRC so far: a digest of the content, for the set id.
  uint32_t content_crc() const { return content_crc_; }

 private:
  PackWriter() = default;
  ItemStatus write_at(uint64_t offset, const void* data, size_t n);
  ItemStatus pad_to_page();

  std::string directory_;
  std::string temp_path_;  // empty with O_TMPFILE until publish() names it
  UniqueFd fd_;
  PackedHeader header_;
  std::vector<char> index_;
  std::vector<char> file_buffer_;
  uint64_t records_ = 0;
  uint64_t end_ = 0;
  uint32_t content_crc_ = 0;
  bool committed_ = false;
  bool published_ = false;
};

}  // namespace tl
