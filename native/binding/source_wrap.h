// The JS face every native dataset source shares: `length`, `fieldBytes`, and
// readInto(index, targets, epoch?), which fills one item on the calling (JS) thread (get(i);
// loaders use the pool) and throws an ItemError when the item fails. A source's wrap file holds
// only what is its own: a SourceDef (its constructor's argument parsing and its own members as
// plain functions), from which SourceWrap makes the class. It is registered in
// source_registry.cc's table, which exports the class and lets NativeLoader and
// NativeFieldsSource accept its objects.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "core/item_source.h"
#include "core/worker_scratch.h"

namespace tl::js {

// readInto's part that knows nothing of the wrap: the index check, the targets (one typed
// array per field, or one typed array for a single field, each exactly the field's size and
// 4-byte aligned), the fill, and the ItemError.
Napi::Value read_into(const Napi::CallbackInfo& info, const ItemSource& source, WorkerScratch& scratch);
// The strings of a JS array of paths; false (with a TypeError pending) if one is not a string.
bool paths_from_js(Napi::Env env, Napi::Array array, std::vector<std::string>& out);
// The strings of the JS array info[i]; false (with a TypeError naming `usage` pending) when it
// is not an array of strings.
bool paths_arg(const Napi::CallbackInfo& info, size_t i, const char* usage, std::vector<std::string>& out);

// throw_status of errors_js.h, for the templates below.
void throw_opened_status(Napi::Env env, const ItemStatus& status, const std::string& path);

// A core source that opened its files on construction, or nullptr after throwing its failed
// status (naming `path`).
template <typename S>
std::shared_ptr<S> opened(const Napi::CallbackInfo& info, std::shared_ptr<S> source, const std::string& path) {
  if (source->status().ok()) return source;
  throw_opened_status(info.Env(), source->status(), path);
  return nullptr;
}

// One member of a source's class beyond the shared ones: an accessor or a method, written as a
// plain function of the call and the core source behind the object.
template <typename Core>
struct SourceMember {
  enum Kind { kAccessor, kMethod };
  Kind kind;
  const char* name;
  Napi::Value (*fn)(const Napi::CallbackInfo& info, Core& core);
};

// What makes one source's JS class: its name, its type tag, the function that builds the core
// source from the constructor's arguments (nullptr with a JS error pending when they are bad),
// and its own members.
template <typename Core>
struct SourceDef {
  const char* name;
  napi_type_tag tag;
  std::shared_ptr<Core> (*make)(const Napi::CallbackInfo& info);
  std::vector<SourceMember<Core>> members;
};

// The JS class of one source, generated from its SourceDef: the shared members, the source's
// own, and the type tag by which the loader finds the ItemSource behind an object.
template <typename Core, const SourceDef<Core>& Def>
class SourceWrap final : public Napi::ObjectWrap<SourceWrap<Core, Def>> {
 public:
  using Base = Napi::ObjectWrap<SourceWrap>;
  static constexpr const SourceDef<Core>& kDef = Def;

  explicit SourceWrap(const Napi::CallbackInfo& info) : Base(info) {
    std::shared_ptr<Core> core = Def.make(info);
    if (!core) return;
    core_ = core.get();
    source_ = std::move(core);
    napi_type_tag_object(info.Env(), info.This(), &Def.tag);
  }

  static Napi::Function Define(Napi::Env env) {
    std::vector<typename Base::PropertyDescriptor> members;
    for (const SourceMember<Core>& m : Def.members) {
      void* data = const_cast<SourceMember<Core>*>(&m);
      members.push_back(m.kind == SourceMember<Core>::kAccessor
                            ? Base::InstanceAccessor(m.name, &SourceWrap::Member, nullptr, napi_default, data)
                            : Base::InstanceMethod(m.name, &SourceWrap::Member, napi_default, data));
    }
    members.push_back(Base::InstanceAccessor("length", &SourceWrap::Length, nullptr));
    members.push_back(Base::InstanceAccessor("fieldBytes", &SourceWrap::FieldBytes, nullptr));
    members.push_back(Base::InstanceMethod("readInto", &SourceWrap::ReadInto));
    return Base::DefineClass(env, Def.name, members);
  }

  // The core source behind a constructed object (null when its constructor threw).
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Member(const Napi::CallbackInfo& info) {
    return static_cast<const SourceMember<Core>*>(info.Data())->fn(info, *core_);
  }
  Napi::Value Length(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
  }
  Napi::Value FieldBytes(const Napi::CallbackInfo& info) {
    Napi::Array out = Napi::Array::New(info.Env());
    for (uint32_t f = 0; f < source_->field_count(); ++f) out.Set(f, static_cast<double>(source_->field_bytes(f)));
    return out;
  }
  Napi::Value ReadInto(const Napi::CallbackInfo& info) { return read_into(info, *source_, scratch_); }

  Core* core_ = nullptr;  // owned by source_
  std::shared_ptr<const ItemSource> source_;
  WorkerScratch scratch_;
};

// Whether info[i] is present and of `type`; a TypeError showing `usage` is pending when not.
bool arg_is(const Napi::CallbackInfo& info, size_t i, napi_valuetype type, const char* usage);

}  // namespace tl::js
