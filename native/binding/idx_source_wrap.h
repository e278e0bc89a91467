// NativeIdxSource: the JS face of IdxSource.
#pragma once

#include <napi.h>

#include <memory>

#include "core/idx_source.h"

namespace tl::js {

class IdxSourceWrap : public Napi::ObjectWrap<IdxSourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static const napi_type_tag kTypeTag;

  explicit IdxSourceWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value Gzipped(const Napi::CallbackInfo& info);
  Napi::Value CachePath(const Napi::CallbackInfo& info);
  Napi::Value ReadInto(const Napi::CallbackInfo& info);

  std::shared_ptr<IdxSource> source_;
  WorkerScratch scratch_;
};

}  // namespace tl::js
