#include "binding/idx_source_wrap.h"

#include <string>

#include "binding/errors_js.h"

namespace tl::js {

const napi_type_tag IdxSourceWrap::kTypeTag = {0x5b0e93c2a17d4f68ULL, 0xc4a1e07f3d92b615ULL};

Napi::Function IdxSourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeIdxSource",
                     {InstanceAccessor<&IdxSourceWrap::Length>("length"),
                      InstanceAccessor<&IdxSourceWrap::Shape>("shape"),
                      InstanceAccessor<&IdxSourceWrap::Gzipped>("gzipped"),
                      InstanceAccessor<&IdxSourceWrap::CachePath>("cachePath"),
                      InstanceMethod<&IdxSourceWrap::ReadInto>("readInto")});
}

// NativeIdxSource(path, cacheDir, maxBytes): the TypeScript layer checks the options.
IdxSourceWrap::IdxSourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IdxSourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber()) {
    throw_type_error(env, "NativeIdxSource(path: string, cacheDir: string, maxBytes: number)");
    return;
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  IdxOptions options;
  options.cache_dir = info[1].As<Napi::String>().Utf8Value();
  const double max_bytes = info[2].As<Napi::Number>().DoubleValue();
  if (!(max_bytes >= 1) || max_bytes > 9.0e15) {
    throw_type_error(env, "maxBytes must be a positive number of bytes");
    return;
  }
  options.max_bytes = static_cast<uint64_t>(max_bytes);
  source_ = std::make_shared<IdxSource>(path, options);
  if (!source_->status().ok()) {
    throw_status(env, source_->status(), path);
    return;
  }
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value IdxSourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value IdxSourceWrap::Shape(const Napi::CallbackInfo& info) {
  Napi::Array a = Napi::Array::New(info.Env());
  uint32_t i = 0;
  for (uint64_t d : source_->dims()) a.Set(i++, static_cast<double>(d));
  return a;
}

Napi::Value IdxSourceWrap::Gzipped(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), source_->gzipped());
}

Napi::Value IdxSourceWrap::CachePath(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), source_->cache_path());
}

Napi::Value IdxSourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  return read_into_fields(info, *source_, scratch_);
}

}  // namespace tl::js
