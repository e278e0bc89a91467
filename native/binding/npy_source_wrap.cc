#include "binding/npy_source_wrap.h"

#include <string>

#include "binding/errors_js.h"

namespace tl::js {

const napi_type_tag NpySourceWrap::kTypeTag = {0x2d7f4c1be6a94b3aULL, 0x93c15e7a0b6d2f04ULL};

Napi::Function NpySourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeNpySource",
                     {InstanceAccessor<&NpySourceWrap::Length>("length"),
                      InstanceAccessor<&NpySourceWrap::Shape>("shape"),
                      InstanceAccessor<&NpySourceWrap::DType>("dtype"),
                      InstanceAccessor<&NpySourceWrap::ItemBytes>("itemBytes"),
                      InstanceMethod<&NpySourceWrap::ReadInto>("readInto")});
}

NpySourceWrap::NpySourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NpySourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw_type_error(env, "NativeNpySource(path: string)");
    return;
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  source_ = std::make_shared<NpySource>(path);
  if (!source_->status().ok()) {
    // A bad array is one error for the whole dataset, with the same fields as an item error.
    throw_status(env, source_->status(), path);
    return;
  }
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value NpySourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value NpySourceWrap::Shape(const Napi::CallbackInfo& info) {
  Napi::Array a = Napi::Array::New(info.Env());
  uint32_t i = 0;
  for (uint64_t d : source_->header().shape) a.Set(i++, static_cast<double>(d));
  return a;
}

Napi::Value NpySourceWrap::DType(const Napi::CallbackInfo& info) {
  static const char* kNames[] = {"float32", "float64", "uint8", "int32", "int64"};
  return Napi::String::New(info.Env(), kNames[static_cast<int>(source_->header().type)]);
}

Napi::Value NpySourceWrap::ItemBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->item_bytes()));
}

Napi::Value NpySourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray()) {
    return throw_type_error(env, "readInto(index: number, target: TypedArray)");
  }
  Napi::TypedArray target = info[1].As<Napi::TypedArray>();
  if (target.ByteLength() != source_->item_bytes()) {
    return throw_type_error(env, "target must be " + std::to_string(source_->item_bytes()) + " bytes");
  }
  auto* dst = static_cast<uint8_t*>(target.ArrayBuffer().Data()) + target.ByteOffset();
  return read_item(env, *source_, info[0].As<Napi::Number>().Int64Value(), 0, dst, scratch_);
}

}  // namespace tl::js
