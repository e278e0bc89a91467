// NativeImageSource: the JS face of ImageSource.
#pragma once

#include <napi.h>

#include <memory>

#include "core/image_source.h"

namespace tl::js {

class ImageSourceWrap : public Napi::ObjectWrap<ImageSourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static const napi_type_tag kTypeTag;

  explicit ImageSourceWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value ItemBytes(const Napi::CallbackInfo& info);
  // readInto(index, target: Uint8Array over item bytes, epoch?): decodes one item on the
  // calling (JS) thread; returns null or a failure object. For get(i); loaders use the pool.
  Napi::Value ReadInto(const Napi::CallbackInfo& info);

  std::shared_ptr<ImageSource> source_;
  WorkerScratch scratch_;
};

}  // namespace tl::js
