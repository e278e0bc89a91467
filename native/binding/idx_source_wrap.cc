// NativeIdxSource(path, cacheDir, maxBytes): the rows of an IDX file, gzipped or not
// (core/idx_source.h), plus its shape, whether it was gzipped, and its cache file.
#include "binding/errors_js.h"
#include "binding/js_values.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/idx_source.h"

namespace tl::js {
namespace {

// The TypeScript layer checks the options; this refuses what would be unsafe.
std::shared_ptr<const IdxSource> make_idx_source(const Napi::CallbackInfo& info) {
  const char* usage = "NativeIdxSource(path: string, cacheDir: string, maxBytes: number)";
  if (!arg_is(info, 0, napi_string, usage) || !arg_is(info, 1, napi_string, usage) || !arg_is(info, 2, napi_number, usage)) {
    return nullptr;
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  IdxOptions options;
  options.cache_dir = info[1].As<Napi::String>().Utf8Value();
  const double max_bytes = info[2].As<Napi::Number>().DoubleValue();
  if (!(max_bytes >= 1) || max_bytes > 9.0e15) {
    throw_range_error(info.Env(), "maxBytes must be a positive number of bytes");
    return nullptr;
  }
  options.max_bytes = static_cast<uint64_t>(max_bytes);
  return opened(info, std::make_shared<const IdxSource>(path, options), path);
}

Napi::Value shape(const Napi::CallbackInfo& info, const IdxSource& s) { return dims_to_js(info.Env(), s.dims()); }
Napi::Value gzipped(const Napi::CallbackInfo& info, const IdxSource& s) { return Napi::Boolean::New(info.Env(), s.gzipped()); }
Napi::Value cache_path(const Napi::CallbackInfo& info, const IdxSource& s) { return Napi::String::New(info.Env(), s.cache_path()); }

using Member = SourceMember<const IdxSource>;
const SourceDef<const IdxSource> kIdxSource{
    "NativeIdxSource", {0x5b0e93c2a17d4f68ULL, 0xc4a1e07f3d92b615ULL}, &make_idx_source,
    {{Member::kAccessor, "shape", &shape}, {Member::kAccessor, "gzipped", &gzipped}, {Member::kAccessor, "cachePath", &cache_path}}};

}  // namespace

SourceClass idx_source_class() { return source_class<SourceWrap<const IdxSource, kIdxSource>>(); }

}  // namespace tl::js
