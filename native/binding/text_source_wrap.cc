// NativeTextSource(paths, itemLength): one numeric text file per item (core/text_source.h).
#include "binding/errors_js.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/text_source.h"

namespace tl::js {
namespace {

class TextSourceWrap final : public SourceWrap<TextSourceWrap> {
 public:
  static constexpr const char* kName = "NativeTextSource";
  static constexpr napi_type_tag kTypeTag = {0x7e1b5a0c2f4d4e11ULL, 0x9a3c6b2d8e0f1a01ULL};

  explicit TextSourceWrap(const Napi::CallbackInfo& info) : SourceWrap(info) {
    const char* usage = "NativeTextSource(paths: string[], itemLength: number)";
    std::vector<std::string> paths;
    if (!paths_arg(info, 0, usage, paths)) return;
    if (info.Length() < 2 || !info[1].IsNumber()) {
      throw_type_error(info.Env(), usage);
      return;
    }
    const double item_length = info[1].As<Napi::Number>().DoubleValue();
    if (!(item_length >= 1) || item_length > (1 << 28) || item_length != static_cast<double>(static_cast<int64_t>(item_length))) {
      throw_range_error(info.Env(), "itemLength must be an integer from 1 to 2^28");
      return;
    }
    adopt(info, std::make_shared<TextSource>(std::move(paths), static_cast<size_t>(item_length)));
  }
};

}  // namespace

SourceClass text_source_class() { return source_class<TextSourceWrap>(); }

}  // namespace tl::js
