#include "binding/packed_source_wrap.h"

#include <string>
#include <utility>
#include <vector>

#include "binding/errors_js.h"
#include "binding/image_options_js.h"
#include "binding/source_registry.h"

namespace tl::js {

const napi_type_tag PackedSourceWrap::kTypeTag = {0x7a3e19c45db20f81ULL, 0x4c6f2a90e1b83d57ULL};
const napi_type_tag FieldsSourceWrap::kTypeTag = {0x1f94d7b2c05e6a38ULL, 0xa2d45c7e9b0f1e63ULL};

Napi::Function PackedSourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativePackedSource",
                     {InstanceAccessor<&PackedSourceWrap::Length>("length"),
                      InstanceAccessor<&PackedSourceWrap::Fields>("fields"),
                      InstanceAccessor<&PackedSourceWrap::Meta>("meta"),
                      InstanceAccessor<&PackedSourceWrap::Shards>("shards"),
                      InstanceAccessor<&PackedSourceWrap::FieldBytes>("fieldBytes"),
                      InstanceMethod<&PackedSourceWrap::Configure>("configure"),
                      InstanceMethod<&PackedSourceWrap::ReadInto>("readInto"),
                      InstanceMethod<&PackedSourceWrap::Verify>("verify"),
                      InstanceMethod<&PackedSourceWrap::Advise>("advise")});
}

PackedSourceWrap::PackedSourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PackedSourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    throw_type_error(env, "NativePackedSource(paths: string[], subset?: boolean)");
    return;
  }
  std::vector<std::string> paths;
  if (!paths_from_js(env, info[0].As<Napi::Array>(), paths)) return;
  const bool subset = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  source_ = std::make_shared<PackedSource>(std::move(paths), subset);
  if (!source_->status().ok()) {
    throw_status(env, source_->status(), source_->failed_path());
    return;
  }
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value PackedSourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value PackedSourceWrap::Fields(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const PackedField& f : source_->header().fields) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", f.name);
    o.Set("dtype", packed_dtype_name(f.dtype));
    o.Set("encoding", f.encoding == PackedEncoding::kImage ? "image" : "raw");
    Napi::Array shape = Napi::Array::New(env);
    for (uint32_t d = 0; d < f.shape.size(); ++d) shape.Set(d, static_cast<double>(f.shape[d]));
    o.Set("shape", shape);
    o.Set("rowBytes", static_cast<double>(f.row_bytes));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value PackedSourceWrap::Meta(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), source_->header().meta);
}

Napi::Value PackedSourceWrap::Shards(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const PackedSource::ShardInfo& s : source_->shards()) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", s.path);
    o.Set("firstRecord", static_cast<double>(s.first_record));
    o.Set("records", static_cast<double>(s.records));
    o.Set("bytes", static_cast<double>(s.bytes));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value PackedSourceWrap::Configure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (configured_) return throw_error(env, "ERR_INVALID_STATE", "configure() runs once, before any read");
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsString()) {
    return throw_type_error(env, "configure(outputs: object[], verify: string)");
  }
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<PackedOutput> outputs;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsObject() || !v.As<Napi::Object>().Get("field").IsNumber()) return throw_type_error(env, "outputs[i].field must be a number");
    Napi::Object o = v.As<Napi::Object>();
    PackedOutput out;
    out.field = static_cast<size_t>(o.Get("field").As<Napi::Number>().Uint32Value());
    out.convert = o.Get("convert").IsBoolean() && o.Get("convert").As<Napi::Boolean>().Value();
    if (o.Get("image").IsObject()) {
      std::string error;
      if (!image_options_from_js(o.Get("image").As<Napi::Object>(), out.image, error)) {
        return throw_type_error(env, "configure: " + error);
      }
    }
    outputs.push_back(out);
  }
  const std::string verify = info[1].As<Napi::String>().Utf8Value();
  VerifyMode mode = VerifyMode::kFirstRead;
  if (verify == "never") {
    mode = VerifyMode::kNever;
  } else if (verify == "always") {
    mode = VerifyMode::kAlways;
  } else if (verify != "first-read") {
    return throw_type_error(env, "verify must be 'never', 'first-read' or 'always'");
  }
  ItemStatus s = source_->configure(std::move(outputs), mode);
  if (!s.ok()) return throw_status(env, s, "");
  configured_ = true;
  return env.Undefined();
}

Napi::Value PackedSourceWrap::FieldBytes(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  for (uint32_t f = 0; f < source_->field_count(); ++f) out.Set(f, static_cast<double>(source_->field_bytes(f)));
  return out;
}

Napi::Value PackedSourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  return read_into_fields(info, *source_, scratch_);
}

Napi::Value PackedSourceWrap::Verify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "verify(first, count)");
  const int64_t first = info[0].As<Napi::Number>().Int64Value();
  const int64_t count = info[1].As<Napi::Number>().Int64Value();
  if (first < 0 || count < 0) return throw_type_error(env, "verify: first and count must be >= 0");
  size_t failed = 0;
  ItemStatus s = source_->verify(static_cast<size_t>(first), static_cast<size_t>(count), &failed);
  if (!s.ok()) return failure_object(env, s, failed, source_->describe(failed));
  return env.Null();
}

Napi::Value PackedSourceWrap::Advise(const Napi::CallbackInfo& info) {
  const std::string p = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  source_->advise(p == "sequential" ? AccessPattern::kSequential : AccessPattern::kRandom);
  return info.Env().Undefined();
}

Napi::Function FieldsSourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeFieldsSource",
                     {InstanceAccessor<&FieldsSourceWrap::Length>("length"),
                      InstanceMethod<&FieldsSourceWrap::ReadInto>("readInto")});
}

FieldsSourceWrap::FieldsSourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FieldsSourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray() || info[0].As<Napi::Array>().Length() == 0) {
    throw_type_error(env, "NativeFieldsSource(sources: NativeSource[])");
    return;
  }
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<std::shared_ptr<const ItemSource>> sources;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    std::shared_ptr<const ItemSource> s = source_from_js(env, a.Get(i));
    if (!s) return;
    if (s->field_count() != 1) {
      throw_type_error(env, "NativeFieldsSource: sources[" + std::to_string(i) + "] already has several fields");
      return;
    }
    if (!sources.empty() && s->length() != sources.front()->length()) {
      throw_error(env, "ERR_INVALID_ARG", "the fields have different lengths: " + std::to_string(sources.front()->length()) +
                                              " and " + std::to_string(s->length()) + " (sources[" + std::to_string(i) + "])");
      return;
    }
    sources.push_back(std::move(s));
  }
  source_ = std::make_shared<FieldsSource>(std::move(sources));
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value FieldsSourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value FieldsSourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  return read_into_fields(info, *source_, scratch_);
}

}  // namespace tl::js
