#include "binding/errors_js.h"

#include "core/counters.h"

namespace tl::js {

Napi::Object failure_object(Napi::Env env, const ItemStatus& status, size_t index, const std::string& path) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", code_name(status.code));
  o.Set("message", status.message);
  o.Set("index", static_cast<double>(index));
  o.Set("path", path);
  o.Set("offset", static_cast<double>(status.offset));
  return o;
}

Napi::Value throw_error(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", code);
  err.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value throw_status(Napi::Env env, const ItemStatus& status, const std::string& path) {
  Napi::Error err = Napi::Error::New(env, path.empty() ? status.message : path + ": " + status.message);
  err.Set("code", code_name(status.code));
  err.Set("path", path);
  err.Set("offset", static_cast<double>(status.offset));
  err.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value throw_type_error(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value read_item(Napi::Env env, const ItemSource& source, int64_t index, uint32_t epoch, uint8_t* dst,
                      WorkerScratch& scratch) {
  uint8_t* dsts[1] = {dst};
  return read_fields(env, source, index, epoch, dsts, scratch);
}

Napi::Value read_fields(Napi::Env env, const ItemSource& source, int64_t index, uint32_t epoch, uint8_t* const* dsts,
                        WorkerScratch& scratch) {
  if (index < 0 || static_cast<size_t>(index) >= source.length()) {
    return throw_error(env, "ERR_OUT_OF_RANGE",
                       "index " + std::to_string(index) + " is out of range (length " + std::to_string(source.length()) + ")");
  }
  const ItemRef item{static_cast<uint32_t>(index), epoch};
  ItemStatus s = source.field_count() == 1 ? source.fill(item, dsts[0], scratch) : source.fill_fields(item, dsts, scratch);
  if (s.ok()) {
    counters().items_read.fetch_add(1, std::memory_order_relaxed);
    return env.Null();
  }
  return failure_object(env, s, static_cast<size_t>(index), source.describe(static_cast<size_t>(index)));
}

bool field_targets(Napi::Env env, const ItemSource& source, Napi::Value value, std::vector<uint8_t*>& out) {
  const size_t fields = source.field_count();
  out.assign(fields, nullptr);
  auto take = [&](size_t f, Napi::Value v) {
    if (!v.IsTypedArray()) return false;
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    if (t.ByteLength() != source.field_bytes(f)) return false;
    out[f] = static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    return true;
  };
  bool ok = false;
  if (fields == 1 && value.IsTypedArray()) {
    ok = take(0, value);
  } else if (value.IsArray() && value.As<Napi::Array>().Length() == fields) {
    ok = true;
    Napi::Array a = value.As<Napi::Array>();
    for (uint32_t f = 0; f < fields && ok; ++f) ok = take(f, a.Get(f));
  }
  if (!ok) {
    std::string sizes;
    for (size_t f = 0; f < fields; ++f) sizes += (f > 0 ? ", " : "") + std::to_string(source.field_bytes(f));
    throw_type_error(env, "readInto needs " + std::to_string(fields) + " typed array(s) of " + sizes + " bytes");
  }
  return ok;
}

Napi::Value read_into_fields(const Napi::CallbackInfo& info, const ItemSource& source, WorkerScratch& scratch) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber()) return throw_type_error(env, "readInto(index, targets, epoch?)");
  std::vector<uint8_t*> dsts;
  if (!field_targets(env, source, info[1], dsts)) return env.Undefined();
  const uint32_t epoch = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Uint32Value() : 0;
  return read_fields(env, source, info[0].As<Napi::Number>().Int64Value(), epoch, dsts.data(), scratch);
}

bool paths_from_js(Napi::Env env, Napi::Array array, std::vector<std::string>& out) {
  out.clear();
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsString()) {
      throw_type_error(env, "paths[" + std::to_string(i) + "] is not a string");
      return false;
    }
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return true;
}

}  // namespace tl::js
