// NativeNpySource(path): the rows of a mapped .npy array (core/npy_source.h), plus its shape
// and dtype.
#include "binding/errors_js.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/npy_source.h"

namespace tl::js {
namespace {

class NpySourceWrap final : public SourceWrap<NpySourceWrap> {
 public:
  static constexpr const char* kName = "NativeNpySource";
  static constexpr napi_type_tag kTypeTag = {0x2d7f4c1be6a94b3aULL, 0x93c15e7a0b6d2f04ULL};

  static MemberList Members() {
    return {InstanceAccessor<&NpySourceWrap::Shape>("shape"), InstanceAccessor<&NpySourceWrap::DType>("dtype")};
  }

  explicit NpySourceWrap(const Napi::CallbackInfo& info) : SourceWrap(info) {
    if (info.Length() < 1 || !info[0].IsString()) {
      throw_type_error(info.Env(), "NativeNpySource(path: string)");
      return;
    }
    // A bad array is one error for the whole dataset, with the same fields as an item error.
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    npy_ = adopt_opened(info, std::make_shared<NpySource>(path), path);
  }

 private:
  Napi::Value Shape(const Napi::CallbackInfo& info) {
    Napi::Array a = Napi::Array::New(info.Env());
    uint32_t i = 0;
    for (uint64_t d : npy_->header().shape) a.Set(i++, static_cast<double>(d));
    return a;
  }
  Napi::Value DType(const Napi::CallbackInfo& info) {
    static const char* kNames[] = {"float32", "float64", "uint8", "int32", "int64"};
    return Napi::String::New(info.Env(), kNames[static_cast<int>(npy_->header().type)]);
  }

  const NpySource* npy_ = nullptr;  // owned by the base's source
};

}  // namespace

SourceClass npy_source_class() { return source_class<NpySourceWrap>(); }

}  // namespace tl::js
