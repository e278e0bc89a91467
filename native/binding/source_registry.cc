#include "binding/source_registry.h"

#include "binding/errors_js.h"
#include "binding/idx_source_wrap.h"
#include "binding/image_source_wrap.h"
#include "binding/npy_source_wrap.h"
#include "binding/packed_source_wrap.h"
#include "binding/tar_source_wrap.h"
#include "binding/text_source_wrap.h"
#include "binding/token_source_wrap.h"

namespace tl::js {

std::shared_ptr<const ItemSource> source_from_js(Napi::Env env, Napi::Value value) {
  if (value.IsObject()) {
    bool is_text = false;
    napi_check_object_type_tag(env, value, &TextSourceWrap::kTypeTag, &is_text);
    if (is_text) return TextSourceWrap::Unwrap(value.As<Napi::Object>())->source();
    bool is_image = false;
    napi_check_object_type_tag(env, value, &ImageSourceWrap::kTypeTag, &is_image);
    if (is_image) return ImageSourceWrap::Unwrap(value.As<Napi::Object>())->source();
    bool is_npy = false;
    napi_check_object_type_tag(env, value, &NpySourceWrap::kTypeTag, &is_npy);
    if (is_npy) return NpySourceWrap::Unwrap(value.As<Napi::Object>())->source();
    bool is_packed = false;
    napi_check_object_type_tag(env, value, &PackedSourceWrap::kTypeTag, &is_packed);
    if (is_packed) return PackedSourceWrap::Unwrap(value.As<Napi::Object>())->source();
    bool is_tar = false;
    napi_check_object_type_tag(env, value, &TarSourceWrap::kTypeTag, &is_tar);
    if (is_tar) return TarSourceWrap::Unwrap(value.As<Napi::Object>())->source();
    bool is_idx = false;
    napi_check_object_type_tag(env, value, &IdxSourceWrap::kTypeTag, &is_idx);
    if (is_idx) return IdxSourceWrap::Unwrap(value.As<Napi::Object>())->source();
    bool is_token = false;
    napi_check_object_type_tag(env, value, &TokenSourceWrap::kTypeTag, &is_token);
    if (is_token) return TokenSourceWrap::Unwrap(value.As<Napi::Object>())->source();
    bool is_fields = false;
    napi_check_object_type_tag(env, value, &FieldsSourceWrap::kTypeTag, &is_fields);
    if (is_fields) return FieldsSourceWrap::Unwrap(value.As<Napi::Object>())->source();
  }
  throw_type_error(env, "expected a native dataset source (NativeTextSource, NativeImageSource, NativeNpySource, NativeIdxSource, NativeTokenSource, NativePackedSource, NativeTarSource or NativeFieldsSource)");
  return nullptr;
}

}  // namespace tl::js
