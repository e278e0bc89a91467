// NativeNpySource: the JS face of NpySource.
#pragma once

#include <napi.h>

#include <memory>

#include "core/npy_source.h"

namespace tl::js {

class NpySourceWrap : public Napi::ObjectWrap<NpySourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static const napi_type_tag kTypeTag;

  explicit NpySourceWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value DType(const Napi::CallbackInfo& info);
  Napi::Value ItemBytes(const Napi::CallbackInfo& info);
  Napi::Value ReadInto(const Napi::CallbackInfo& info);

  std::shared_ptr<NpySource> source_;
  WorkerScratch scratch_;
};

}  // namespace tl::js
