// NativeTokenSource: the JS face of TokenSource.
#pragma once

#include <napi.h>

#include <memory>

#include "core/token_source.h"

namespace tl::js {

class TokenSourceWrap : public Napi::ObjectWrap<TokenSourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static const napi_type_tag kTypeTag;

  explicit TokenSourceWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<const ItemSource> source() const { return source_; }

 private:
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Tokens(const Napi::CallbackInfo& info);
  Napi::Value Offset(const Napi::CallbackInfo& info);
  Napi::Value ReadInto(const Napi::CallbackInfo& info);

  std::shared_ptr<TokenSource> source_;
  WorkerScratch scratch_;
};

}  // namespace tl::js
