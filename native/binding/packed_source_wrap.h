// NativePackedSource: the JS face of PackedSource (reading) and NativeFieldsSource (several
// native sources of equal length as one dataset of several fields).
#pragma once

#include <napi.h>

#include <memory>

#include "core/fields_source.h"
#include "core/packed_source.h"

namespace tl::js {

class PackedSourceWrap : public Napi::ObjectWrap<PackedSourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static const napi_type_tag kTypeTag;

  explicit PackedSourceWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  // [{ name, dtype, encoding: 'raw' | 'image', shape, rowBytes }] as stored.
  Napi::Value Fields(const Napi::CallbackInfo& info);
  Napi::Value Meta(const Napi::CallbackInfo& info);
  // [{ path, records, firstRecord, bytes }] in shard order.
  Napi::Value Shards(const Napi::CallbackInfo& info);
  // configure(outputs: [{ field, convert?, image? }], verify: 'never' | 'first-read' | 'always')
  Napi::Value Configure(const Napi::CallbackInfo& info);
  // Bytes of each output field of one item, after configure().
  Napi::Value FieldBytes(const Napi::CallbackInfo& info);
  Napi::Value ReadInto(const Napi::CallbackInfo& info);
  // verify(first, count): null, or the failure of the first corrupt record in the range.
  Napi::Value Verify(const Napi::CallbackInfo& info);
  // advise('sequential' | 'random')
  Napi::Value Advise(const Napi::CallbackInfo& info);

  std::shared_ptr<PackedSource> source_;
  WorkerScratch scratch_;
  bool configured_ = false;
};

class FieldsSourceWrap : public Napi::ObjectWrap<FieldsSourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static const napi_type_tag kTypeTag;

  explicit FieldsSourceWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value ReadInto(const Napi::CallbackInfo& info);

  std::shared_ptr<FieldsSource> source_;
  WorkerScratch scratch_;
};

}  // namespace tl::js
