// NativeTarSource: the JS face of TarSource (WebDataset tar shards).
#pragma once

#include <napi.h>

#include <memory>

#include "core/tar_source.h"

namespace tl::js {

class TarSourceWrap : public Napi::ObjectWrap<TarSourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static const napi_type_tag kTypeTag;

  // new NativeTarSource(paths: string[], fields: [{ name, exts: string[], kind: 'image' | 'label' | 'array', image? }])
  explicit TarSourceWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  // [{ path, firstSample, samples, bytes }] in the order given.
  Napi::Value Shards(const Napi::CallbackInfo& info);
  Napi::Value FieldBytes(const Napi::CallbackInfo& info);
  // Per field: null, or { dtype, shape } of an array field.
  Napi::Value Arrays(const Napi::CallbackInfo& info);
  Napi::Value ReadInto(const Napi::CallbackInfo& info);
  // key(index): the sample's key.
  Napi::Value Key(const Napi::CallbackInfo& info);
  // extensions(index): the lowercased extensions the sample holds.
  Napi::Value Extensions(const Napi::CallbackInfo& info);
  // member(index, ext): a Buffer with a copy of the member, or null; throws (with .code) on a
  // shard cut while mapped or an oversized member.
  Napi::Value Member(const Napi::CallbackInfo& info);

  std::shared_ptr<TarSource> source_;
  WorkerScratch scratch_;
};

}  // namespace tl::js
