// NativeImageSource(paths, options): image files through the image pipeline (core/image_source.h).
#include "binding/image_options_js.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/image_source.h"

namespace tl::js {
namespace {

std::shared_ptr<const ItemSource> make_image_source(const Napi::CallbackInfo& info) {
  const char* usage = "NativeImageSource(paths: string[], options: object)";
  std::vector<std::string> paths;
  ImageOptions options;
  if (!paths_arg(info, 0, usage, paths) || !arg_is(info, 1, napi_object, usage) ||
      !image_options_from_js(info.Env(), info[1].As<Napi::Object>(), "NativeImageSource", options)) {
    return nullptr;
  }
  return std::make_shared<ImageSource>(std::move(paths), options);
}

const SourceDef<const ItemSource> kImageSource{"NativeImageSource", {0x51c0e2aa9d3b4f27ULL, 0x8b1e7d6c5a4f3e02ULL}, &make_image_source, {}};

}  // namespace

SourceClass image_source_class() { return source_class<SourceWrap<const ItemSource, kImageSource>>(); }

}  // namespace tl::js
