// The JS face every native dataset source shares: `length`, `fieldBytes`, and
// readInto(index, targets, epoch?), which fills one item on the calling (JS) thread (get(i);
// loaders use the pool) and throws an ItemError when the item fails. A source's wrap derives
// from SourceWrap<Wrap>, parses its own constructor arguments, hands the core source to
// adopt(), and adds only the members that are really its own (Members()). It is registered in
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

// throw_status of errors_js.h, for the template below.
void throw_opened_status(Napi::Env env, const ItemStatus& status, const std::string& path);

template <typename Wrap>
class SourceWrap : public Napi::ObjectWrap<Wrap> {
 public:
  using Base = Napi::ObjectWrap<Wrap>;
  using MemberList = std::vector<typename Base::PropertyDescriptor>;

  explicit SourceWrap(const Napi::CallbackInfo& info) : Base(info) {}

  // The class: the shared members and the wrap's own (Wrap::Members(), Wrap::kName).
  static Napi::Function Define(Napi::Env env) {
    using Method = Napi::Value (Wrap::*)(const Napi::CallbackInfo&);
    MemberList members = Wrap::Members();
    members.push_back(Base::InstanceAccessor("length", static_cast<Method>(&SourceWrap::Length), nullptr));
    members.push_back(Base::InstanceAccessor("fieldBytes", static_cast<Method>(&SourceWrap::FieldBytes), nullptr));
    members.push_back(Base::InstanceMethod("readInto", static_cast<Method>(&SourceWrap::ReadInto)));
    return Base::DefineClass(env, Wrap::kName, members);
  }
  static MemberList Members() { return {}; }

  // The core source behind a constructed object (null when its constructor threw).
  std::shared_ptr<const ItemSource> source() const { return source_; }

 protected:
  // Takes the constructed source and tags the JS object as a native source of this kind.
  void adopt(const Napi::CallbackInfo& info, std::shared_ptr<const ItemSource> source) {
    source_ = std::move(source);
    napi_type_tag_object(info.Env(), info.This(), &Wrap::kTypeTag);
  }
  // The same for a source that opens its files on construction: a failed open throws its
  // status (naming `path`) instead. Returns the source, or nullptr after throwing.
  template <typename S>
  S* adopt_opened(const Napi::CallbackInfo& info, std::shared_ptr<S> source, const std::string& path) {
    if (!source->status().ok()) {
      throw_opened_status(info.Env(), source->status(), path);
      return nullptr;
    }
    S* raw = source.get();
    adopt(info, std::move(source));
    return raw;
  }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
  }
  Napi::Value FieldBytes(const Napi::CallbackInfo& info) {
    Napi::Array out = Napi::Array::New(info.Env());
    for (uint32_t f = 0; f < source_->field_count(); ++f) out.Set(f, static_cast<double>(source_->field_bytes(f)));
    return out;
  }
  Napi::Value ReadInto(const Napi::CallbackInfo& info) { return read_into(info, *source_, scratch_); }

  std::shared_ptr<const ItemSource> source_;
  WorkerScratch scratch_;
};

// A source with nothing of its own beyond the shared members: its name, its type tag, and a
// function that makes the core source from the constructor's arguments (null with a JS error
// pending when they are bad).
struct SourceSpec {
  const char* name;
  napi_type_tag tag;
  std::shared_ptr<const ItemSource> (*make)(const Napi::CallbackInfo& info);
};

template <const SourceSpec& Spec>
class PlainSourceWrap final : public SourceWrap<PlainSourceWrap<Spec>> {
 public:
  static constexpr const char* kName = Spec.name;
  static constexpr napi_type_tag kTypeTag = Spec.tag;

  explicit PlainSourceWrap(const Napi::CallbackInfo& info) : SourceWrap<PlainSourceWrap<Spec>>(info) {
    std::shared_ptr<const ItemSource> source = Spec.make(info);
    if (source) this->adopt(info, std::move(source));
  }
};

// Whether info[i] is present and of `type`; a TypeError showing `usage` is pending when not.
bool arg_is(const Napi::CallbackInfo& info, size_t i, napi_valuetype type, const char* usage);

}  // namespace tl::js
