// Where an item's bytes come from. A record reader turns a dataset index into the bytes of each
// of its stored fields: a file of a file list, a row of a mapped array, a record of a mapped
// packed shard, a member of a mapped tar file. What the bytes become in the slot is the
// decoders' job (core/field_decoder.h); core/record_source.h joins the two into an ItemSource.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/item_source.h"
#include "core/status.h"

namespace tl {

// The most stored fields a record has (a packed record's limit; file lists have one).
constexpr size_t kMaxRecordFields = 16;

// The bytes of one field of one record. `mapped` bytes live in a file mapping that another
// process may truncate: they are touched only under the SIGBUS guard (decode_record does that),
// and `offset` (their place in the file) goes into the error when a truncation is caught.
struct RecordView {
  const char* data = nullptr;
  size_t size = 0;
  bool mapped = false;
  uint64_t offset = 0;
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  virtual size_t length() const = 0;
  // Stored fields per record (1 to kMaxRecordFields).
  virtual size_t field_count() const { return 1; }
  // Views of every stored field of record item.index, in fields[0..field_count()). A view of
  // non-mapped bytes stays valid until the next read with the same scratch.
  virtual ItemStatus read(const ItemRef& item, WorkerScratch& scratch, RecordView* fields) const = 0;
  // The error for a mapped view whose pages a truncation took while it was decoded.
  virtual ItemStatus truncated(const ItemRef& item, const RecordView& view) const;
  // Adds which stored field a failed decode read to its status (a tar member's name, its
  // offset); the default leaves it to describe().
  virtual void annotate(const ItemRef& /*item*/, size_t /*field*/, ItemStatus& /*status*/) const {}
  // The path (or other locator) of a record, for error messages.
  virtual std::string describe(size_t index) const = 0;

  // How many items a pool thread may claim at once when no decoder is slow: more than one pays
  // when records are cheap (a mapped copy) and saves trips through the pool's lock.
  virtual size_t claim_hint() const { return 1; }
  // Readers that fetch several records with one system call (io_uring) say how many; the
  // source then claims that many items at once and calls read_many (single-field sources only).
  // False: batching is unusable on this thread, nothing was read. A view left empty
  // (data == nullptr) means "not read here": the source reads that record with read(), which
  // gives the status the plain path always gives.
  virtual size_t batch_size() const { return 1; }
  virtual bool read_many(const ItemRef* items, size_t n, WorkerScratch& scratch, RecordView* views) const;
};

}  // namespace tl
