// Image files as a dataset: a file list feeding the image pipeline.
#pragma once

#include <string>
#include <vector>

#include "core/image_options.h"
#include "core/record_source.h"

namespace tl {

class ImageSource final : public RecordSource {
 public:
  ImageSource(std::vector<std::string> paths, const ImageOptions& options);
};

}  // namespace tl
