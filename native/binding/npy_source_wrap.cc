// NativeNpySource(path): the rows of a mapped .npy array (core/npy_source.h), plus its shape
// and dtype.
#include "binding/errors_js.h"
#include "binding/js_values.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/npy_source.h"

namespace tl::js {
namespace {

// A bad array is one error for the whole dataset, with the same fields as an item error.
std::shared_ptr<const NpySource> make_npy_source(const Napi::CallbackInfo& info) {
  if (!arg_is(info, 0, napi_string, "NativeNpySource(path: string)")) return nullptr;
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  return opened(info, std::make_shared<const NpySource>(path), path);
}

Napi::Value shape(const Napi::CallbackInfo& info, const NpySource& s) { return dims_to_js(info.Env(), s.header().shape); }
Napi::Value dtype(const Napi::CallbackInfo& info, const NpySource& s) {
  return Napi::String::New(info.Env(), npy_dtype_name(s.header().type));
}

using Member = SourceMember<const NpySource>;
const SourceDef<const NpySource> kNpySource{"NativeNpySource", {0x2d7f4c1be6a94b3aULL, 0x93c15e7a0b6d2f04ULL}, &make_npy_source,
                                           {{Member::kAccessor, "shape", &shape}, {Member::kAccessor, "dtype", &dtype}}};

}  // namespace

SourceClass npy_source_class() { return source_class<SourceWrap<const NpySource, kNpySource>>(); }

}  // namespace tl::js
