#include "binding/image_source_wrap.h"

#include <utility>
#include <string>
#include <vector>

#include "binding/errors_js.h"
#include "binding/image_options_js.h"

namespace tl::js {

const napi_type_tag ImageSourceWrap::kTypeTag = {0x51c0e2aa9d3b4f27ULL, 0x8b1e7d6c5a4f3e02ULL};


Napi::Function ImageSourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeImageSource",
                     {InstanceAccessor<&ImageSourceWrap::Length>("length"),
                      InstanceAccessor<&ImageSourceWrap::ItemBytes>("itemBytes"),
                      InstanceMethod<&ImageSourceWrap::ReadInto>("readInto")});
}

ImageSourceWrap::ImageSourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ImageSourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsObject()) {
    throw_type_error(env, "NativeImageSource(paths: string[], options: object)");
    return;
  }
  std::vector<std::string> paths;
  if (!paths_from_js(env, info[0].As<Napi::Array>(), paths)) return;
  ImageOptions options;
  std::string error;
  if (!image_options_from_js(info[1].As<Napi::Object>(), options, error)) {
    throw_type_error(env, "NativeImageSource: " + error);
    return;
  }
  source_ = std::make_shared<ImageSource>(std::move(paths), options);
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value ImageSourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value ImageSourceWrap::ItemBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->item_bytes()));
}

Napi::Value ImageSourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray()) {
    return throw_type_error(env, "readInto(index: number, target: TypedArray, epoch?: number)");
  }
  Napi::TypedArray target = info[1].As<Napi::TypedArray>();
  if (target.ByteLength() != source_->item_bytes() || target.ByteOffset() % 4 != 0) {
    return throw_type_error(env, "target must be an aligned typed array of " + std::to_string(source_->item_bytes()) + " bytes");
  }
  uint32_t epoch = 0;
  if (info.Length() > 2 && info[2].IsNumber()) epoch = info[2].As<Napi::Number>().Uint32Value();
  auto* dst = static_cast<uint8_t*>(target.ArrayBuffer().Data()) + target.ByteOffset();
  return read_item(env, *source_, info[0].As<Napi::Number>().Int64Value(), epoch, dst, scratch_);
}

}  // namespace tl::js
