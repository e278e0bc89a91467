// NativeImageSource(paths, options): image files through the image pipeline (core/image_source.h).
#include "binding/errors_js.h"
#include "binding/image_options_js.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/image_source.h"

namespace tl::js {
namespace {

class ImageSourceWrap final : public SourceWrap<ImageSourceWrap> {
 public:
  static constexpr const char* kName = "NativeImageSource";
  static constexpr napi_type_tag kTypeTag = {0x51c0e2aa9d3b4f27ULL, 0x8b1e7d6c5a4f3e02ULL};

  explicit ImageSourceWrap(const Napi::CallbackInfo& info) : SourceWrap(info) {
    const char* usage = "NativeImageSource(paths: string[], options: object)";
    std::vector<std::string> paths;
    if (!paths_arg(info, 0, usage, paths)) return;
    if (info.Length() < 2 || !info[1].IsObject()) {
      throw_type_error(info.Env(), usage);
      return;
    }
    ImageOptions options;
    if (!image_options_from_js(info.Env(), info[1].As<Napi::Object>(), kName, options)) return;
    adopt(info, std::make_shared<ImageSource>(std::move(paths), options));
  }
};

}  // namespace

SourceClass image_source_class() { return source_class<ImageSourceWrap>(); }

}  // namespace tl::js
