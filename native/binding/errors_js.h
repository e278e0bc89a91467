// Turns core ItemStatus values into plain JS objects (the TypeScript layer makes typed errors
// of them) and reads the argument shapes every source shares. The binding reports misuse by
// throwing JS errors, never C++ exceptions.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "core/item_source.h"
#include "core/status.h"

namespace tl::js {

// { code, message, index, path, offset }
Napi::Object failure_object(Napi::Env env, const ItemStatus& status, size_t index, const std::string& path);
// Throws a JS error carrying `code` as its .code; returns undefined for convenient `return`.
Napi::Value throw_error(Napi::Env env, const char* code, const std::string& message);
// Throws a failed status that concerns a whole file (not one item): .code, .path, .offset.
Napi::Value throw_status(Napi::Env env, const ItemStatus& status, const std::string& path);
Napi::Value throw_type_error(Napi::Env env, const std::string& message);
// readInto's shared part: checks the index, fills `dst` on the calling thread, returns null or
// a failure object (or undefined with a RangeError pending for a bad index).
Napi::Value read_item(Napi::Env env, const ItemSource& source, int64_t index, uint32_t epoch, uint8_t* dst,
                      WorkerScratch& scratch);
// The same for a source of several fields: dsts[f] receives field f.
Napi::Value read_fields(Napi::Env env, const ItemSource& source, int64_t index, uint32_t epoch, uint8_t* const* dsts,
                        WorkerScratch& scratch);
// readInto's target argument for any source: one typed array per field (an array of them, or
// one typed array for a single field), each exactly the field's size. False with a TypeError
// pending when they do not fit.
bool field_targets(Napi::Env env, const ItemSource& source, Napi::Value value, std::vector<uint8_t*>& out);
// readInto(index, targets, epoch?) of a source of one or more fields: the whole method.
Napi::Value read_into_fields(const Napi::CallbackInfo& info, const ItemSource& source, WorkerScratch& scratch);
// The strings of a JS array of paths; false (with a TypeError pending) if one is not a string.
bool paths_from_js(Napi::Env env, Napi::Array array, std::vector<std::string>& out);

}  // namespace tl::js
