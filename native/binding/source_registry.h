// Lets the loader accept any native dataset object: each source wrap tags its JS objects with
// a type tag, and this finds the ItemSource behind a tagged object.
#pragma once

#include <napi.h>

#include <memory>

#include "core/item_source.h"

namespace tl::js {

// The shared source behind a native dataset object, or nullptr (with a JS exception pending)
// when `value` is not one.
std::shared_ptr<const ItemSource> source_from_js(Napi::Env env, Napi::Value value);

}  // namespace tl::js
