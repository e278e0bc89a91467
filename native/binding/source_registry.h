// The table of native dataset sources: every source wrap (source_wrap.h) has one entry, which
// exports its class and lets the loader (and NativeFieldsSource) find the ItemSource behind any
// of its objects by its type tag.
#pragma once

#include <napi.h>

#include <memory>

#include "core/item_source.h"

namespace tl::js {

struct SourceClass {
  const char* name;
  Napi::Function (*define)(Napi::Env);
  const napi_type_tag* tag;
  std::shared_ptr<const ItemSource> (*unwrap)(Napi::Object);
};

// The entry of a SourceWrap; each wrap file defines its <name>_source_class() with it.
template <typename Wrap>
SourceClass source_class() {
  return SourceClass{Wrap::kDef.name, &Wrap::Define, &Wrap::kDef.tag,
                     [](Napi::Object o) { return Wrap::Unwrap(o)->source(); }};
}

// Sets exports[name] for every source class.
void export_sources(Napi::Env env, Napi::Object exports);

// The shared source behind a native dataset object, or nullptr (with a TypeError pending)
// when `value` is not one (or its constructor threw).
std::shared_ptr<const ItemSource> source_from_js(Napi::Env env, Napi::Value value);

}  // namespace tl::js
