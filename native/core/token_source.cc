#include "core/token_source.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/item_rng.h"
#include "core/sigbus_guard.h"
#include "core/unique_fd.h"

namespace tl {
namespace {

// Widens `n` little-endian tokens of In to Out; false when a token does not fit in Out (a
// uint32 token past INT32_MAX into int32). Runs under the SIGBUS guard: plain loop only.
template <typename In, typename Out>
bool widen(const uint8_t* src, uint8_t* dst, size_t n) {
  bool fits = true;
  for (size_t i = 0; i < n; ++i) {
    In v;
    std::memcpy(&v, src + i * sizeof(In), sizeof(In));
    const Out w = static_cast<Out>(v);
    fits &= static_cast<In>(w) == v && w >= 0;
    std::memcpy(dst + i * sizeof(Out), &w, sizeof(Out));
  }
  return fits;
}

using WidenFn = bool (*)(const uint8_t*, uint8_t*, size_t);

WidenFn widener(size_t in, size_t out) {
  if (in == 2) return out == 4 ? &widen<uint16_t, int32_t> : &widen<uint16_t, int64_t>;
  return out == 4 ? &widen<uint32_t, int32_t> : &widen<uint32_t, int64_t>;
}

}  // namespace

TokenSource::TokenSource(std::string path, TokenOptions options) : path_(std::move(path)), options_(options) {
  status_ = open();
  if (!status_.ok()) {
    map_.reset();
    length_ = 0;
  }
}

ItemStatus TokenSource::open() {
  if (options_.token_bytes != 2 && options_.token_bytes != 4) return ItemStatus::error(Code::kFormat, "tokens must be 2 or 4 bytes");
  if (options_.out_bytes != 4 && options_.out_bytes != 8) return ItemStatus::error(Code::kFormat, "output tokens must be 4 or 8 bytes");
  if (options_.block == 0) return ItemStatus::error(Code::kFormat, "blockSize must be at least 1");
  UniqueFd fd;
  size_t size = 0;
  ItemStatus opened = open_regular_file(path_, fd, size);
  if (!opened.ok()) return opened;
  if (size % options_.token_bytes != 0) {
    return ItemStatus::error(Code::kCount, "the file's " + std::to_string(size) + " bytes are not a whole number of " +
                                               std::to_string(options_.token_bytes) + "-byte tokens (wrong dtype?)");
  }
  tokens_ = size / options_.token_bytes;
  if (tokens_ < options_.block + 1) {
    return ItemStatus::error(Code::kCount, "the file holds " + std::to_string(tokens_) + " tokens; a window of " +
                                               std::to_string(options_.block) + " and its shifted target need " + std::to_string(options_.block + 1));
  }
  const size_t side_by_side = (tokens_ - 1) / options_.block;
  length_ = options_.random && options_.length > 0 ? options_.length : side_by_side;
  if (!options_.random && options_.length > side_by_side) {
    return ItemStatus::error(Code::kCount, "length " + std::to_string(options_.length) + " is more than the " + std::to_string(side_by_side) + " windows that fit");
  }
  if (!options_.random && options_.length > 0) length_ = options_.length;
  // Random windows touch pages anywhere; the kernel should not read ahead for them.
  return MappedFile::map(fd.get(), size, options_.random ? AccessPattern::kRandom : AccessPattern::kSequential, map_);
}

size_t TokenSource::offset(uint32_t index, uint32_t epoch) const {
  if (!options_.random) return static_cast<size_t>(index) * options_.block;
  ItemRng rng(options_.seed, epoch, index);
  return static_cast<size_t>(rng.below(static_cast<int64_t>(tokens_ - options_.block)));
}

ItemStatus TokenSource::fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const {
  uint8_t* dsts[2] = {dst, dst + field_bytes(0)};
  return fill_fields(item, dsts, scratch);
}

ItemStatus TokenSource::fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch&) const {
  if (!status_.ok()) return status_;
  if (item.index >= length_) return ItemStatus::error(Code::kNotFound, "window out of range");
  const size_t o = offset(item.index, item.epoch);
  const auto* base = reinterpret_cast<const uint8_t*>(map_.data()) + o * options_.token_bytes;
  const WidenFn fn = widener(options_.token_bytes, options_.out_bytes);
  const size_t n = options_.block;
  bool fits = true;
  const bool read = sigbus_guarded([&] {
    fits = fn(base, dsts[0], n);
    fits = fn(base + options_.token_bytes, dsts[1], n) && fits;
  });
  if (!read) {
    return ItemStatus::error(Code::kShrunk, "the file was truncated while mapped (window at token " + std::to_string(o) + ")",
                             static_cast<int64_t>(o * options_.token_bytes));
  }
  if (!fits) {
    return ItemStatus::error(Code::kCount, "a token of the window at " + std::to_string(o) + " does not fit in int32 (use int64)",
                             static_cast<int64_t>(o * options_.token_bytes));
  }
  return {};
}

std::string TokenSource::describe(size_t index) const {
  return path_ + "[window " + std::to_string(index) + "]";
}

}  // namespace tl
