#include "core/image_source.h"

#include <memory>
#include <utility>

#include "core/file_list.h"
#include "core/image_pipeline.h"

namespace tl {
namespace {

std::shared_ptr<const FileList> image_files(std::vector<std::string> paths) {
  // An encoded image larger than this is not a training image; refusing it before reading
  // bounds what one item can make a pool thread allocate.
  ReadOptions read;
  read.max_bytes = 1ULL << 30;
  return std::make_shared<FileList>(std::move(paths), read);
}

}  // namespace

ImageSource::ImageSource(std::vector<std::string> paths, const ImageOptions& options)
    : RecordSource(image_files(std::move(paths)), {FieldOutput{0, std::make_shared<ImagePipeline>(options)}}) {}

}  // namespace tl
