#include "binding/source_wrap.h"

#include "binding/errors_js.h"
#include "core/counters.h"

namespace tl::js {
namespace {

// One target per field, each a typed array of exactly the field's bytes; false with a
// TypeError pending when they do not fit.
bool field_targets(Napi::Env env, const ItemSource& source, Napi::Value value, std::vector<uint8_t*>& out) {
  const size_t fields = source.field_count();
  out.assign(fields, nullptr);
  auto take = [&](size_t f, Napi::Value v) {
    if (!v.IsTypedArray()) return false;
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    // Floats are written in place: a target must be aligned for them.
    if (t.ByteLength() != source.field_bytes(f) || t.ByteOffset() % 4 != 0) return false;
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
    throw_type_error(env, "readInto needs " + std::to_string(fields) + " aligned typed array(s) of " + sizes + " bytes");
  }
  return ok;
}

}  // namespace

Napi::Value read_into(const Napi::CallbackInfo& info, const ItemSource& source, WorkerScratch& scratch) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber()) return throw_type_error(env, "readInto(index, targets, epoch?)");
  std::vector<uint8_t*> dsts;
  if (!field_targets(env, source, info[1], dsts)) return env.Undefined();
  const uint32_t epoch = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Uint32Value() : 0;
  const int64_t index = info[0].As<Napi::Number>().Int64Value();
  if (index < 0 || static_cast<size_t>(index) >= source.length()) {
    return throw_range_error(env, "index " + std::to_string(index) + " is out of range (length " +
                                      std::to_string(source.length()) + ")");
  }
  const ItemRef item{static_cast<uint32_t>(index), epoch};
  ItemStatus s = source.field_count() == 1 ? source.fill(item, dsts[0], scratch) : source.fill_fields(item, dsts.data(), scratch);
  if (!s.ok()) {
    Napi::Value err = item_error(env, s, static_cast<size_t>(index), source.describe(static_cast<size_t>(index)));
    if (!env.IsExceptionPending()) Napi::Error(env, err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  counters().items_read.fetch_add(1, std::memory_order_relaxed);
  return env.Undefined();
}

bool arg_is(const Napi::CallbackInfo& info, size_t i, napi_valuetype type, const char* usage) {
  if (info.Length() > i && info[i].Type() == type) return true;
  throw_type_error(info.Env(), usage);
  return false;
}

void throw_opened_status(Napi::Env env, const ItemStatus& status, const std::string& path) { throw_status(env, status, path); }

bool paths_arg(const Napi::CallbackInfo& info, size_t i, const char* usage, std::vector<std::string>& out) {
  if (info.Length() <= i || !info[i].IsArray()) {
    throw_type_error(info.Env(), usage);
    return false;
  }
  return paths_from_js(info.Env(), info[i].As<Napi::Array>(), out);
}

bool paths_from_js(Napi::Env env, Napi::Array array, std::vector<std::string>& out) {
  out.clear();
  out.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value v = array.Get(k);
    if (!v.IsString()) {
      throw_type_error(env, "paths[" + std::to_string(k) + "] is not a string");
      return false;
    }
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return true;
}

}  // namespace tl::js
