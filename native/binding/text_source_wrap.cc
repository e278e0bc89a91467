#include "binding/text_source_wrap.h"

#include <string>
#include <vector>

#include "binding/errors_js.h"

namespace tl::js {

const napi_type_tag TextSourceWrap::kTypeTag = {0x7e1b5a0c2f4d4e11ULL, 0x9a3c6b2d8e0f1a01ULL};

Napi::Function TextSourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeTextSource",
                     {InstanceAccessor<&TextSourceWrap::Length>("length"),
                      InstanceAccessor<&TextSourceWrap::ItemLength>("itemLength"),
                      InstanceMethod<&TextSourceWrap::Path>("path"),
                      InstanceMethod<&TextSourceWrap::ReadInto>("readInto")});
}

TextSourceWrap::TextSourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TextSourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsNumber()) {
    throw_type_error(env, "NativeTextSource(paths: string[], itemLength: number)");
    return;
  }
  std::vector<std::string> paths;
  if (!paths_from_js(env, info[0].As<Napi::Array>(), paths)) return;
  double item_length = info[1].As<Napi::Number>().DoubleValue();
  if (!(item_length >= 1) || item_length > (1 << 28) || item_length != static_cast<double>(static_cast<int64_t>(item_length))) {
    throw_type_error(env, "itemLength must be an integer from 1 to 2^28");
    return;
  }
  source_ = std::make_shared<TextSource>(std::move(paths), static_cast<size_t>(item_length));
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value TextSourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value TextSourceWrap::ItemLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->item_length()));
}

Napi::Value TextSourceWrap::Path(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "path(index: number)");
  int64_t index = info[0].As<Napi::Number>().Int64Value();
  if (index < 0 || static_cast<size_t>(index) >= source_->length()) {
    return throw_error(env, "ERR_OUT_OF_RANGE", "index " + std::to_string(index) + " is out of range");
  }
  return Napi::String::New(env, source_->describe(static_cast<size_t>(index)));
}

Napi::Value TextSourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray()) {
    return throw_type_error(env, "readInto(index: number, target: Float32Array)");
  }
  Napi::TypedArray target = info[1].As<Napi::TypedArray>();
  if (target.TypedArrayType() != napi_float32_array || target.ElementLength() != source_->item_length()) {
    return throw_type_error(env, "target must be a Float32Array of length " + std::to_string(source_->item_length()));
  }
  auto* dst = static_cast<uint8_t*>(target.ArrayBuffer().Data()) + target.ByteOffset();
  return read_item(env, *source_, info[0].As<Napi::Number>().Int64Value(), 0, dst, scratch_);
}

}  // namespace tl::js
