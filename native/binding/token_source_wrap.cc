#include "binding/token_source_wrap.h"

#include <string>

#include "binding/errors_js.h"

namespace tl::js {

const napi_type_tag TokenSourceWrap::kTypeTag = {0x1f6c2ad94e8b3075ULL, 0x82d5b7e0c93a41feULL};

Napi::Function TokenSourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeTokenSource",
                     {InstanceAccessor<&TokenSourceWrap::Length>("length"),
                      InstanceAccessor<&TokenSourceWrap::Tokens>("tokens"),
                      InstanceMethod<&TokenSourceWrap::Offset>("offset"),
                      InstanceMethod<&TokenSourceWrap::ReadInto>("readInto")});
}

namespace {

// A whole number from 0 to `max` in options[key]; false with a TypeError pending otherwise.
bool count_option(Napi::Env env, Napi::Object options, const char* key, double max, size_t& out) {
  Napi::Value v = options.Get(key);
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0) || d > max || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw_type_error(env, std::string("NativeTokenSource: ") + key + " must be a whole number from 0 to " + std::to_string(static_cast<int64_t>(max)));
    return false;
  }
  out = static_cast<size_t>(d);
  return true;
}

}  // namespace

// NativeTokenSource(path, { tokenBytes, block, random, seed, length, outBytes }): the TypeScript
// layer checks the options; this only refuses what would be unsafe.
TokenSourceWrap::TokenSourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TokenSourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject()) {
    throw_type_error(env, "NativeTokenSource(path: string, options: object)");
    return;
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Object o = info[1].As<Napi::Object>();
  TokenOptions options;
  size_t seed = 0;
  if (!count_option(env, o, "tokenBytes", 8, options.token_bytes) || !count_option(env, o, "block", 1 << 24, options.block) ||
      !count_option(env, o, "seed", 4294967295.0, seed) || !count_option(env, o, "length", 4294967295.0, options.length) ||
      !count_option(env, o, "outBytes", 8, options.out_bytes)) {
    return;
  }
  options.seed = static_cast<uint32_t>(seed);
  options.random = o.Get("random").ToBoolean().Value();
  source_ = std::make_shared<TokenSource>(path, options);
  if (!source_->status().ok()) {
    throw_status(env, source_->status(), path);
    return;
  }
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value TokenSourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value TokenSourceWrap::Tokens(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->tokens()));
}

// offset(index, epoch): where window `index` of `epoch` starts, in tokens.
Napi::Value TokenSourceWrap::Offset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "offset(index: number, epoch: number)");
  const int64_t index = info[0].As<Napi::Number>().Int64Value();
  if (index < 0 || static_cast<size_t>(index) >= source_->length()) return throw_error(env, "ERR_OUT_OF_RANGE", "index " + std::to_string(index) + " is out of range");
  return Napi::Number::New(env, static_cast<double>(source_->offset(static_cast<uint32_t>(index), info[1].As<Napi::Number>().Uint32Value())));
}

Napi::Value TokenSourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  return read_into_fields(info, *source_, scratch_);
}

}  // namespace tl::js
