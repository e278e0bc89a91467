// The image pipeline options object of the TypeScript layer (src/datasets/image-options.ts,
// already validated and normalised there) as the core's ImageOptions.
#pragma once

#include <napi.h>

#include <string>

#include "core/image_options.h"

namespace tl::js {

// False with `error` naming the first bad option.
bool image_options_from_js(Napi::Object obj, ImageOptions& out, std::string& error);

}  // namespace tl::js
