// NativeTokenSource(path, { tokenBytes, block, random, seed, length, outBytes }): (x, y) windows
// of a flat token file (core/token_source.h), plus its token count and window offsets.
#include <string>

#include "binding/errors_js.h"
#include "binding/js_values.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/token_source.h"

namespace tl::js {
namespace {

// options[key] as a whole number from 0 to `max`; false with an error pending otherwise.
bool count_option(Napi::Env env, Napi::Object options, const char* key, double max, size_t& out) {
  uint64_t v = 0;
  if (!whole_number(env, options.Get(key), max, std::string("NativeTokenSource: ") + key, v)) return false;
  out = static_cast<size_t>(v);
  return true;
}

// The TypeScript layer checks the options; this refuses what would be unsafe.
std::shared_ptr<const TokenSource> make_token_source(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "NativeTokenSource(path: string, options: object)";
  if (!arg_is(info, 0, napi_string, usage) || !arg_is(info, 1, napi_object, usage)) return nullptr;
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Object o = info[1].As<Napi::Object>();
  TokenOptions options;
  size_t seed = 0;
  if (!count_option(env, o, "tokenBytes", 8, options.token_bytes) || !count_option(env, o, "block", 1 << 24, options.block) ||
      !count_option(env, o, "seed", 4294967295.0, seed) || !count_option(env, o, "length", 4294967295.0, options.length) ||
      !count_option(env, o, "outBytes", 8, options.out_bytes)) {
    return nullptr;
  }
  options.seed = static_cast<uint32_t>(seed);
  options.random = o.Get("random").ToBoolean().Value();
  return opened(info, std::make_shared<const TokenSource>(path, options), path);
}

Napi::Value tokens(const Napi::CallbackInfo& info, const TokenSource& s) {
  return Napi::Number::New(info.Env(), static_cast<double>(s.tokens()));
}

// offset(index, epoch): where window `index` of `epoch` starts, in tokens.
Napi::Value offset(const Napi::CallbackInfo& info, const TokenSource& s) {
  Napi::Env env = info.Env();
  uint64_t index = 0;
  uint64_t epoch = 0;
  if (s.length() == 0) return throw_range_error(env, "the source has no windows");
  if (!whole_number(env, info[0], static_cast<double>(s.length() - 1), "index", index) ||
      !whole_number(env, info[1], 4294967295.0, "epoch", epoch)) {
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(s.offset(static_cast<uint32_t>(index), static_cast<uint32_t>(epoch))));
}

using Member = SourceMember<const TokenSource>;
const SourceDef<const TokenSource> kTokenSource{"NativeTokenSource", {0x1f6c2ad94e8b3075ULL, 0x82d5b7e0c93a41feULL},
                                               &make_token_source, {{Member::kAccessor, "tokens", &tokens}, {Member::kMethod, "offset", &offset}}};

}  // namespace

SourceClass token_source_class() { return source_class<SourceWrap<const TokenSource, kTokenSource>>(); }

}  // namespace tl::js
