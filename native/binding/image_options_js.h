// The image pipeline options object of the TypeScript layer (src/datasets/image-options.ts
// fills in the defaults) as the core's ImageOptions. Everything is checked again here, so a
// hand-made object cannot reach the core with nonsense: a value of the wrong type is a
// TypeError, a value out of its range a RangeError (pending on return false).
#pragma once

#include <napi.h>

#include "core/image_options.h"

namespace tl::js {

// `what` prefixes the error message (the constructor or method that was called).
bool image_options_from_js(Napi::Env env, Napi::Object obj, const char* what, ImageOptions& out);

}  // namespace tl::js
