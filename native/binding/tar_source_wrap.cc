#include "binding/tar_source_wrap.h"

#include <string>
#include <utility>
#include <vector>

#include "binding/errors_js.h"
#include "binding/image_options_js.h"

namespace tl::js {
namespace {

// The fields argument; false with a TypeError pending on a malformed one (the TypeScript
// layer validates them first, so this only guards direct use of the binding).
bool fields_from_js(Napi::Env env, Napi::Array a, std::vector<TarFieldSpec>& out) {
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsObject()) {
      throw_type_error(env, "fields[i] must be an object");
      return false;
    }
    Napi::Object o = v.As<Napi::Object>();
    TarFieldSpec spec;
    if (!o.Get("name").IsString() || !o.Get("exts").IsArray() || !o.Get("kind").IsString()) {
      throw_type_error(env, "fields[i] needs name: string, exts: string[], kind: string");
      return false;
    }
    spec.name = o.Get("name").As<Napi::String>().Utf8Value();
    if (!paths_from_js(env, o.Get("exts").As<Napi::Array>(), spec.exts)) return false;
    const std::string kind = o.Get("kind").As<Napi::String>().Utf8Value();
    if (kind == "image") {
      spec.kind = TarFieldKind::kImage;
      std::string error;
      if (!o.Get("image").IsObject() || !image_options_from_js(o.Get("image").As<Napi::Object>(), spec.image, error)) {
        throw_type_error(env, "field '" + spec.name + "': " + (error.empty() ? "image options missing" : error));
        return false;
      }
    } else if (kind == "label") {
      spec.kind = TarFieldKind::kLabel;
    } else if (kind == "array") {
      spec.kind = TarFieldKind::kArray;
    } else {
      throw_type_error(env, "field kind must be 'image', 'label' or 'array'");
      return false;
    }
    out.push_back(std::move(spec));
  }
  return true;
}

bool index_arg(const Napi::CallbackInfo& info, const TarSource& source, size_t& index) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw_type_error(info.Env(), "expected an index");
    return false;
  }
  const int64_t i = info[0].As<Napi::Number>().Int64Value();
  if (i < 0 || static_cast<uint64_t>(i) >= source.length()) {
    Napi::RangeError::New(info.Env(), "index " + std::to_string(i) + " is out of range").ThrowAsJavaScriptException();
    return false;
  }
  index = static_cast<size_t>(i);
  return true;
}

}  // namespace

const napi_type_tag TarSourceWrap::kTypeTag = {0x5b2e8f14a7c3d960ULL, 0x0e6d93b1f4a2c785ULL};

Napi::Function TarSourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeTarSource",
                     {InstanceAccessor<&TarSourceWrap::Length>("length"),
                      InstanceAccessor<&TarSourceWrap::Shards>("shards"),
                      InstanceAccessor<&TarSourceWrap::FieldBytes>("fieldBytes"),
                      InstanceAccessor<&TarSourceWrap::Arrays>("arrays"),
                      InstanceMethod<&TarSourceWrap::ReadInto>("readInto"),
                      InstanceMethod<&TarSourceWrap::Key>("key"),
                      InstanceMethod<&TarSourceWrap::Extensions>("extensions"),
                      InstanceMethod<&TarSourceWrap::Member>("member")});
}

TarSourceWrap::TarSourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TarSourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray()) {
    throw_type_error(env, "NativeTarSource(paths: string[], fields: object[])");
    return;
  }
  std::vector<std::string> paths;
  if (!paths_from_js(env, info[0].As<Napi::Array>(), paths)) return;
  std::vector<TarFieldSpec> fields;
  if (!fields_from_js(env, info[1].As<Napi::Array>(), fields)) return;
  source_ = std::make_shared<TarSource>(std::move(paths), TarLimits{});
  ItemStatus s = source_->status();
  if (s.ok()) s = source_->configure(std::move(fields));
  if (!s.ok()) {
    throw_status(env, s, source_->failed_path());
    return;
  }
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value TarSourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value TarSourceWrap::Shards(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const TarSource::ShardInfo& s : source_->shards()) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", s.path);
    o.Set("firstSample", static_cast<double>(s.first_sample));
    o.Set("samples", static_cast<double>(s.samples));
    o.Set("bytes", static_cast<double>(s.bytes));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value TarSourceWrap::FieldBytes(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  for (uint32_t f = 0; f < source_->field_count(); ++f) out.Set(f, static_cast<double>(source_->field_bytes(f)));
  return out;
}

Napi::Value TarSourceWrap::Arrays(const Napi::CallbackInfo& info) {
  static const char* kNames[] = {"float32", "float64", "uint8", "int32", "int64"};
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  for (uint32_t f = 0; f < source_->field_count(); ++f) {
    const NpyHeader* h = source_->array_header(f);
    if (h == nullptr) {
      out.Set(f, env.Null());
      continue;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("dtype", kNames[static_cast<int>(h->type)]);
    Napi::Array shape = Napi::Array::New(env);
    for (uint32_t d = 0; d < h->shape.size(); ++d) shape.Set(d, static_cast<double>(h->shape[d]));
    o.Set("shape", shape);
    out.Set(f, o);
  }
  return out;
}

Napi::Value TarSourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  return read_into_fields(info, *source_, scratch_);
}

Napi::Value TarSourceWrap::Key(const Napi::CallbackInfo& info) {
  size_t index = 0;
  if (!index_arg(info, *source_, index)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), source_->key(index));
}

Napi::Value TarSourceWrap::Extensions(const Napi::CallbackInfo& info) {
  size_t index = 0;
  if (!index_arg(info, *source_, index)) return info.Env().Undefined();
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t i = 0;
  for (const std::string& e : source_->extensions(index)) out.Set(i++, e);
  return out;
}

Napi::Value TarSourceWrap::Member(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index = 0;
  if (!index_arg(info, *source_, index)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsString()) return throw_type_error(env, "member(index, ext: string)");
  std::vector<char> bytes;
  ItemStatus s;
  if (!source_->member(index, info[1].As<Napi::String>().Utf8Value(), bytes, s)) return env.Null();
  if (!s.ok()) return throw_status(env, s, source_->describe(index));
  return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
}

}  // namespace tl::js
