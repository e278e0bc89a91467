#include "binding/errors_js.h"

namespace tl::js {
namespace {

struct ErrorClasses {
  Napi::FunctionReference tensor_loader_error;
  Napi::FunctionReference item_error;
};

// The classes of this environment, or nullptr before setErrorClasses.
ErrorClasses* classes(Napi::Env env) { return env.GetInstanceData<ErrorClasses>(); }

}  // namespace

Napi::Value set_error_classes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value arg = info.Length() > 0 ? info[0] : env.Undefined();
  if (!arg.IsObject()) return throw_type_error(env, "setErrorClasses({ TensorLoaderError, ItemError })");
  Napi::Object o = arg.As<Napi::Object>();
  Napi::Value base = o.Get("TensorLoaderError");
  Napi::Value item = o.Get("ItemError");
  if (!base.IsFunction() || !item.IsFunction()) {
    return throw_type_error(env, "setErrorClasses: TensorLoaderError and ItemError must be classes");
  }
  auto* c = new ErrorClasses{Napi::Persistent(base.As<Napi::Function>()), Napi::Persistent(item.As<Napi::Function>())};
  env.SetInstanceData(c);  // deletes the previous set, if any, and this one with the environment
  return env.Undefined();
}

Napi::Object failure_object(Napi::Env env, const ItemStatus& status, size_t index, const std::string& path) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", code_name(status.code));
  o.Set("message", status.message);
  o.Set("index", static_cast<double>(index));
  o.Set("path", path);
  o.Set("offset", static_cast<double>(status.offset));
  return o;
}

Napi::Value item_error(Napi::Env env, const ItemStatus& status, size_t index, const std::string& path) {
  Napi::Object failure = failure_object(env, status, index, path);
  ErrorClasses* c = classes(env);
  if (c == nullptr) return failure;
  return c->item_error.New({failure});
}

Napi::Value coded_error(Napi::Env env, const char* code, const std::string& message) {
  ErrorClasses* c = classes(env);
  if (c != nullptr) return c->tensor_loader_error.New({Napi::String::New(env, code), Napi::String::New(env, message)});
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", code);
  return err.Value();
}

namespace {

Napi::Value throw_value(Napi::Env env, Napi::Value error) {
  // Constructing the class can itself throw (a pending exception is then what JS sees).
  if (!env.IsExceptionPending() && !error.IsEmpty()) Napi::Error(env, error).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

Napi::Value throw_error(Napi::Env env, const char* code, const std::string& message) {
  return throw_value(env, coded_error(env, code, message));
}

Napi::Value throw_error(Napi::Env env, const ItemStatus& status) { return throw_error(env, code_name(status.code), status.message); }

Napi::Value throw_status(Napi::Env env, const ItemStatus& status, const std::string& path) {
  Napi::Value err = coded_error(env, code_name(status.code), path.empty() ? status.message : path + ": " + status.message);
  if (err.IsObject()) {
    err.As<Napi::Object>().Set("path", path);
    err.As<Napi::Object>().Set("offset", static_cast<double>(status.offset));
  }
  return throw_value(env, err);
}

Napi::Value undefined_or_throw(Napi::Env env, const ItemStatus& status, const std::string& path) {
  return status.ok() ? env.Undefined() : throw_status(env, status, path);
}

Napi::Value throw_type_error(Napi::Env env, const std::string& message) {
  Napi::TypeError err = Napi::TypeError::New(env, message);
  err.Set("code", "ERR_INVALID_ARG_TYPE");
  err.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value throw_range_error(Napi::Env env, const std::string& message) {
  Napi::RangeError err = Napi::RangeError::New(env, message);
  err.Set("code", "ERR_OUT_OF_RANGE");
  err.ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace tl::js
