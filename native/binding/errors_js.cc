#include "binding/errors_js.h"

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

Napi::Value throw_type_error(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value read_item(Napi::Env env, const ItemSource& source, int64_t index, uint32_t epoch, uint8_t* dst,
                      WorkerScratch& scratch) {
  if (index < 0 || static_cast<size_t>(index) >= source.length()) {
    return throw_error(env, "ERR_OUT_OF_RANGE",
                       "index " + std::to_string(index) + " is out of range (length " + std::to_string(source.length()) + ")");
  }
  ItemStatus s = source.fill(ItemRef{static_cast<uint32_t>(index), epoch}, dst, scratch);
  if (s.ok()) return env.Null();
  return failure_object(env, s, static_cast<size_t>(index), source.describe(static_cast<size_t>(index)));
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
