// NativeTextSource: the JS face of TextSource.
#pragma once

#include <napi.h>

#include <memory>

#include "core/item_source.h"
#include "core/text_source.h"

namespace tl::js {

class TextSourceWrap : public Napi::ObjectWrap<TextSourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static const napi_type_tag kTypeTag;

  explicit TextSourceWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value ItemLength(const Napi::CallbackInfo& info);
  Napi::Value Path(const Napi::CallbackInfo& info);
  // readInto(index, Float32Array): parses one item on the calling (JS) thread; returns null or
  // a failure object. For get(i); loaders use the pool.
  Napi::Value ReadInto(const Napi::CallbackInfo& info);

  std::shared_ptr<TextSource> source_;
  WorkerScratch scratch_;
};

}  // namespace tl::js
