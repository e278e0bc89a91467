// NativeTextSource(paths, itemLength): one numeric text file per item (core/text_source.h).
#include "binding/errors_js.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/text_source.h"

namespace tl::js {
namespace {

std::shared_ptr<const ItemSource> make_text_source(const Napi::CallbackInfo& info) {
  const char* usage = "NativeTextSource(paths: string[], itemLength: number)";
  std::vector<std::string> paths;
  if (!paths_arg(info, 0, usage, paths) || !arg_is(info, 1, napi_number, usage)) return nullptr;
  const double item_length = info[1].As<Napi::Number>().DoubleValue();
  if (!(item_length >= 1) || item_length > (1 << 28) || item_length != static_cast<double>(static_cast<int64_t>(item_length))) {
    throw_range_error(info.Env(), "itemLength must be an integer from 1 to 2^28");
    return nullptr;
  }
  return std::make_shared<TextSource>(std::move(paths), static_cast<size_t>(item_length));
}

const SourceDef<const ItemSource> kTextSource{"NativeTextSource", {0x7e1b5a0c2f4d4e11ULL, 0x9a3c6b2d8e0f1a01ULL}, &make_text_source, {}};

}  // namespace

SourceClass text_source_class() { return source_class<SourceWrap<const ItemSource, kTextSource>>(); }

}  // namespace tl::js
