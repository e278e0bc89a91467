#include "binding/source_registry.h"

#include <string>

#include "binding/errors_js.h"

namespace tl::js {

// Defined in each source's wrap file. A new source: its wrap file, and one line here and below.
SourceClass text_source_class();
SourceClass image_source_class();
SourceClass npy_source_class();
SourceClass idx_source_class();
SourceClass token_source_class();
SourceClass packed_source_class();
SourceClass fields_source_class();
SourceClass tar_source_class();

namespace {

const std::vector<SourceClass>& sources() {
  static const std::vector<SourceClass> table = {
      text_source_class(),   image_source_class(),  npy_source_class(),    idx_source_class(),
      token_source_class(),  packed_source_class(), fields_source_class(),  tar_source_class(),
  };
  return table;
}

}  // namespace

void export_sources(Napi::Env env, Napi::Object exports) {
  for (const SourceClass& c : sources()) exports.Set(c.name, c.define(env));
}

std::shared_ptr<const ItemSource> source_from_js(Napi::Env env, Napi::Value value) {
  if (value.IsObject()) {
    for (const SourceClass& c : sources()) {
      bool tagged = false;
      napi_check_object_type_tag(env, value, c.tag, &tagged);
      if (!tagged) continue;
      std::shared_ptr<const ItemSource> source = c.unwrap(value.As<Napi::Object>());
      if (source) return source;
      break;
    }
  }
  std::string names;
  for (const SourceClass& c : sources()) names += (names.empty() ? "" : ", ") + std::string(c.name);
  throw_type_error(env, "expected a native dataset source (" + names + ")");
  return nullptr;
}

}  // namespace tl::js
