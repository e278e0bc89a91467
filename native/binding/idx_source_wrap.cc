// NativeIdxSource(path, cacheDir, maxBytes): the rows of an IDX file, gzipped or not
// (core/idx_source.h), plus its shape, whether it was gzipped, and its cache file.
#include "binding/errors_js.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/idx_source.h"

namespace tl::js {
namespace {

class IdxSourceWrap final : public SourceWrap<IdxSourceWrap> {
 public:
  static constexpr const char* kName = "NativeIdxSource";
  static constexpr napi_type_tag kTypeTag = {0x5b0e93c2a17d4f68ULL, 0xc4a1e07f3d92b615ULL};

  static MemberList Members() {
    return {InstanceAccessor<&IdxSourceWrap::Shape>("shape"), InstanceAccessor<&IdxSourceWrap::Gzipped>("gzipped"),
            InstanceAccessor<&IdxSourceWrap::CachePath>("cachePath")};
  }

  // The TypeScript layer checks the options; this refuses what would be unsafe.
  explicit IdxSourceWrap(const Napi::CallbackInfo& info) : SourceWrap(info) {
    const char* usage = "NativeIdxSource(path: string, cacheDir: string, maxBytes: number)";
    if (!arg_is(info, 0, napi_string, usage) || !arg_is(info, 1, napi_string, usage) || !arg_is(info, 2, napi_number, usage)) return;
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    IdxOptions options;
    options.cache_dir = info[1].As<Napi::String>().Utf8Value();
    const double max_bytes = info[2].As<Napi::Number>().DoubleValue();
    if (!(max_bytes >= 1) || max_bytes > 9.0e15) {
      throw_range_error(info.Env(), "maxBytes must be a positive number of bytes");
      return;
    }
    options.max_bytes = static_cast<uint64_t>(max_bytes);
    idx_ = adopt_opened(info, std::make_shared<IdxSource>(path, options), path);
  }

 private:
  Napi::Value Shape(const Napi::CallbackInfo& info) {
    Napi::Array a = Napi::Array::New(info.Env());
    uint32_t i = 0;
    for (uint64_t d : idx_->dims()) a.Set(i++, static_cast<double>(d));
    return a;
  }
  Napi::Value Gzipped(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), idx_->gzipped()); }
  Napi::Value CachePath(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), idx_->cache_path()); }

  const IdxSource* idx_ = nullptr;  // owned by the base's source
};

}  // namespace

SourceClass idx_source_class() { return source_class<IdxSourceWrap>(); }

}  // namespace tl::js
