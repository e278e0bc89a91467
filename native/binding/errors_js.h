// Errors into JS. The TypeScript layer hands its error classes to the addon once, at load
// (setErrorClasses, from src/native.ts), and the binding constructs them itself: a failed item
// is an ItemError, a failed file or a refused call a TensorLoaderError with its `.code`, so
// nothing in src/ re-wraps native errors. Core statuses carry their code (tl::Code); no message
// is ever mapped back to a code. Misuse of the binding is a TypeError or RangeError. The
// binding reports everything by throwing JS errors, never C++ exceptions.
#pragma once

#include <napi.h>

#include <string>

#include "core/status.h"

namespace tl::js {

// setErrorClasses({ TensorLoaderError, ItemError }): keeps the constructors for this
// environment (main thread or worker).
Napi::Value set_error_classes(const Napi::CallbackInfo& info);

// A plain { code, message, index, path, offset } object: what a batch job's failures hold.
Napi::Object failure_object(Napi::Env env, const ItemStatus& status, size_t index, const std::string& path);
// An ItemError for one item (the plain failure object until setErrorClasses ran).
Napi::Value item_error(Napi::Env env, const ItemStatus& status, size_t index, const std::string& path);
// A TensorLoaderError(code, message) (a plain Error with .code until setErrorClasses ran).
Napi::Value coded_error(Napi::Env env, const char* code, const std::string& message);

// Throw and return undefined, for a convenient `return`.
Napi::Value throw_error(Napi::Env env, const char* code, const std::string& message);
Napi::Value throw_error(Napi::Env env, const ItemStatus& status);
// A failed status that concerns a whole file (not one item): .code, .path, .offset.
Napi::Value throw_status(Napi::Env env, const ItemStatus& status, const std::string& path);
// undefined when `status` is ok, else throw_status: the return of a call that only reports.
Napi::Value undefined_or_throw(Napi::Env env, const ItemStatus& status, const std::string& path);
Napi::Value throw_type_error(Napi::Env env, const std::string& message);
Napi::Value throw_range_error(Napi::Env env, const std::string& message);

}  // namespace tl::js
