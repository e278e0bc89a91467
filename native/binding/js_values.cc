#include "binding/js_values.h"

#include "binding/errors_js.h"

namespace tl::js {

bool whole_number(Napi::Env env, Napi::Value v, double max, const std::string& what, uint64_t& out) {
  if (!v.IsNumber()) {
    throw_type_error(env, what + " must be a number");
    return false;
  }
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > max || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw_range_error(env, what + " " + v.ToString().Utf8Value() + " is out of range (a whole number from 0 to " +
                               std::to_string(static_cast<int64_t>(max)) + ")");
    return false;
  }
  out = static_cast<uint64_t>(d);
  return true;
}

Napi::Array dims_to_js(Napi::Env env, const std::vector<uint64_t>& dims) {
  Napi::Array a = Napi::Array::New(env, dims.size());
  uint32_t i = 0;
  for (uint64_t d : dims) a.Set(i++, static_cast<double>(d));
  return a;
}

const char* npy_dtype_name(NpyType type) {
  static const char* kNames[] = {"float32", "float64", "uint8", "int32", "int64"};
  return kNames[static_cast<int>(type)];
}

}  // namespace tl::js
