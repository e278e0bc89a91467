#include "core/text_source.h"

#include <memory>
#include <utility>

#include "core/file_list.h"
#include "core/uring_reader.h"

namespace tl {
namespace {

std::shared_ptr<const FileList> text_files(std::vector<std::string> paths, size_t item_length, ReadOptions options) {
  // A text item of N floats needs at most ~32 bytes a value; anything far larger is not one
  // of ours, and refusing it early bounds the memory a hostile file can make us touch.
  if (options.max_bytes == UINT64_MAX) options.max_bytes = 64 * 1024 * 1024 + item_length * 64;
  constexpr size_t kPage = 4096;
  size_t capacity = 0;
  if (item_length < UringReader::kBufferBytes / 32) {
    // Room for the ~32 bytes a value above, in whole pages. A file that fills its buffer is
    // read again the plain way, so a low guess costs time, never correctness; items too long
    // for two buffers in the batch memory are not worth batching (FileList turns that off).
    capacity = (item_length * 32 + 256 + kPage - 1) / kPage * kPage;
  }
  return std::make_shared<FileList>(std::move(paths), options, capacity);
}

}  // namespace

TextSource::TextSource(std::vector<std::string> paths, size_t item_length, ReadOptions options)
    : RecordSource(text_files(std::move(paths), item_length, options),
                   {FieldOutput{0, std::make_shared<TextDecoder>(item_length)}}) {}

}  // namespace tl
