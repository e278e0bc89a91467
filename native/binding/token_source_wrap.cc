// NativeTokenSource(path, { tokenBytes, block, random, seed, length, outBytes }): (x, y) windows
// of a flat token file (core/token_source.h), plus its token count and window offsets.
#include <string>

#include "binding/errors_js.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/token_source.h"

namespace tl::js {
namespace {

// A whole number from 0 to `max` in options[key]; false with a JS error pending otherwise.
bool count_option(Napi::Env env, Napi::Object options, const char* key, double max, size_t& out) {
  Napi::Value v = options.Get(key);
  if (!v.IsNumber()) {
    throw_type_error(env, std::string("NativeTokenSource: ") + key + " must be a number");
    return false;
  }
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > max || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw_range_error(env, std::string("NativeTokenSource: ") + key + " must be a whole number from 0 to " +
                               std::to_string(static_cast<int64_t>(max)));
    return false;
  }
  out = static_cast<size_t>(d);
  return true;
}

class TokenSourceWrap final : public SourceWrap<TokenSourceWrap> {
 public:
  static constexpr const char* kName = "NativeTokenSource";
  static constexpr napi_type_tag kTypeTag = {0x1f6c2ad94e8b3075ULL, 0x82d5b7e0c93a41feULL};

  static MemberList Members() {
    return {InstanceAccessor<&TokenSourceWrap::Tokens>("tokens"), InstanceMethod<&TokenSourceWrap::Offset>("offset")};
  }

  // The TypeScript layer checks the options; this refuses what would be unsafe.
  explicit TokenSourceWrap(const Napi::CallbackInfo& info) : SourceWrap(info) {
    Napi::Env env = info.Env();
    const char* usage = "NativeTokenSource(path: string, options: object)";
    if (!arg_is(info, 0, napi_string, usage) || !arg_is(info, 1, napi_object, usage)) return;
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    Napi::Object o = info[1].As<Napi::Object>();
    TokenOptions options;
    size_t seed = 0;
    if (!count_option(env, o, "tokenBytes", 8, options.token_bytes) || !count_option(env, o, "block", 1 << 24, options.block) ||
        !count_option(env, o, "seed", 4294967295.0, seed) || !count_option(env, o, "length", 4294967295.0, options.length) ||
        !count_option(env, o, "outBytes", 8, options.out_bytes)) {
      return;
    }
    options.seed = static_cast<uint32_t>(seed);
    options.random = o.Get("random").ToBoolean().Value();
    tokens_ = adopt_opened(info, std::make_shared<TokenSource>(path, options), path);
  }

 private:
  Napi::Value Tokens(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(tokens_->tokens())); }
  // offset(index, epoch): where window `index` of `epoch` starts, in tokens.
  Napi::Value Offset(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "offset(index: number, epoch: number)");
    const int64_t index = info[0].As<Napi::Number>().Int64Value();
    if (index < 0 || static_cast<size_t>(index) >= tokens_->length()) {
      return throw_range_error(env, "index " + std::to_string(index) + " is out of range");
    }
    const uint32_t epoch = info[1].As<Napi::Number>().Uint32Value();
    return Napi::Number::New(env, static_cast<double>(tokens_->offset(static_cast<uint32_t>(index), epoch)));
  }

  const TokenSource* tokens_ = nullptr;  // owned by the base's source
};

}  // namespace

SourceClass token_source_class() { return source_class<TokenSourceWrap>(); }

}  // namespace tl::js
