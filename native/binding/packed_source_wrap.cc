// NativePackedSource(paths): a packed shard set (core/packed_source.h), with its stored fields,
// meta, shards, configure, verify and advise.
#include <string>
#include <utility>
#include <vector>

#include "binding/errors_js.h"
#include "binding/image_options_js.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/fields_source.h"
#include "core/packed_source.h"

namespace tl::js {
namespace {

// configure's outputs: [{ field, convert?, image? }]; false with a JS error pending.
bool outputs_from_js(Napi::Env env, Napi::Array a, std::vector<PackedOutput>& outputs) {
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsObject() || !v.As<Napi::Object>().Get("field").IsNumber()) {
      throw_type_error(env, "outputs[i].field must be a number");
      return false;
    }
    Napi::Object o = v.As<Napi::Object>();
    PackedOutput out;
    out.field = static_cast<size_t>(o.Get("field").As<Napi::Number>().Uint32Value());
    out.convert = o.Get("convert").IsBoolean() && o.Get("convert").As<Napi::Boolean>().Value();
    if (o.Get("image").IsObject() && !image_options_from_js(env, o.Get("image").As<Napi::Object>(), "configure", out.image)) {
      return false;
    }
    outputs.push_back(out);
  }
  return true;
}

Napi::Object field_object(Napi::Env env, const PackedField& f) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", f.name);
  o.Set("dtype", packed_dtype_name(f.dtype));
  o.Set("encoding", f.encoding == PackedEncoding::kImage ? "image" : "raw");
  Napi::Array shape = Napi::Array::New(env);
  for (uint32_t d = 0; d < f.shape.size(); ++d) shape.Set(d, static_cast<double>(f.shape[d]));
  o.Set("shape", shape);
  o.Set("rowBytes", static_cast<double>(f.row_bytes));
  return o;
}

class PackedSourceWrap final : public SourceWrap<PackedSourceWrap> {
 public:
  static constexpr const char* kName = "NativePackedSource";
  static constexpr napi_type_tag kTypeTag = {0x7a3e19c45db20f81ULL, 0x4c6f2a90e1b83d57ULL};

  static MemberList Members() {
    return {InstanceAccessor<&PackedSourceWrap::Fields>("fields"), InstanceAccessor<&PackedSourceWrap::Meta>("meta"),
            InstanceAccessor<&PackedSourceWrap::Shards>("shards"),
            InstanceMethod<&PackedSourceWrap::Configure>("configure"),
            InstanceMethod<&PackedSourceWrap::Verify>("verify"), InstanceMethod<&PackedSourceWrap::Advise>("advise")};
  }

  explicit PackedSourceWrap(const Napi::CallbackInfo& info) : SourceWrap(info) {
    std::vector<std::string> paths;
    if (!paths_arg(info, 0, "NativePackedSource(paths: string[], subset?: boolean)", paths)) return;
    const bool subset = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
    auto source = std::make_shared<PackedSource>(std::move(paths), subset);
    const std::string failed = source->failed_path();
    packed_ = adopt_opened(info, std::move(source), failed);
  }

 private:
  // [{ name, dtype, encoding: 'raw' | 'image', shape, rowBytes }] as stored.
  Napi::Value Fields(const Napi::CallbackInfo& info) {
    Napi::Array out = Napi::Array::New(info.Env());
    uint32_t i = 0;
    for (const PackedField& f : packed_->header().fields) out.Set(i++, field_object(info.Env(), f));
    return out;
  }
  Napi::Value Meta(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), packed_->header().meta); }
  // [{ path, records, firstRecord, bytes }] in shard order.
  Napi::Value Shards(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t i = 0;
    for (const PackedSource::ShardInfo& s : packed_->shards()) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("path", s.path);
      o.Set("firstRecord", static_cast<double>(s.first_record));
      o.Set("records", static_cast<double>(s.records));
      o.Set("bytes", static_cast<double>(s.bytes));
      out.Set(i++, o);
    }
    return out;
  }
  // configure(outputs: [{ field, convert?, image? }], verify: 'never' | 'first-read' | 'always')
  Napi::Value Configure(const Napi::CallbackInfo& info);
  // verify(first, count): null, or the ItemError of the first corrupt record in the range.
  Napi::Value Verify(const Napi::CallbackInfo& info);
  // advise('sequential' | 'random')
  Napi::Value Advise(const Napi::CallbackInfo& info) {
    const std::string p = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    packed_->advise(p == "sequential" ? AccessPattern::kSequential : AccessPattern::kRandom);
    return info.Env().Undefined();
  }

  // The source is shared with loaders, which only read; configure() runs before any loader
  // exists (it is refused a second time).
  PackedSource* packed_ = nullptr;
  bool configured_ = false;
};

Napi::Value PackedSourceWrap::Configure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (configured_) return throw_error(env, "ERR_INVALID_STATE", "configure() runs once, before any read");
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsString()) {
    return throw_type_error(env, "configure(outputs: object[], verify: string)");
  }
  std::vector<PackedOutput> outputs;
  if (!outputs_from_js(env, info[0].As<Napi::Array>(), outputs)) return env.Undefined();
  const std::string verify = info[1].As<Napi::String>().Utf8Value();
  VerifyMode mode = VerifyMode::kFirstRead;
  if (verify == "never") {
    mode = VerifyMode::kNever;
  } else if (verify == "always") {
    mode = VerifyMode::kAlways;
  } else if (verify != "first-read") {
    return throw_range_error(env, "verify must be 'never', 'first-read' or 'always'");
  }
  ItemStatus s = packed_->configure(outputs, mode);
  if (!s.ok()) return throw_status(env, s, "");
  configured_ = true;
  return env.Undefined();
}

Napi::Value PackedSourceWrap::Verify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "verify(first, count)");
  const int64_t first = info[0].As<Napi::Number>().Int64Value();
  const int64_t count = info[1].As<Napi::Number>().Int64Value();
  if (first < 0 || count < 0) return throw_range_error(env, "verify: first and count must be >= 0");
  size_t failed = 0;
  ItemStatus s = packed_->verify(static_cast<size_t>(first), static_cast<size_t>(count), &failed);
  if (!s.ok()) return item_error(env, s, failed, packed_->describe(failed));
  return env.Null();
}

// NativeFieldsSource(sources): several single-field native sources of equal length as one
// dataset of several fields (core/fields_source.h).
std::shared_ptr<const ItemSource> make_fields_source(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!arg_is(info, 0, napi_object, "NativeFieldsSource(sources: NativeSource[])")) return nullptr;
  if (!info[0].IsArray() || info[0].As<Napi::Array>().Length() == 0) {
    throw_type_error(env, "NativeFieldsSource(sources: NativeSource[]) needs at least one source");
    return nullptr;
  }
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<std::shared_ptr<const ItemSource>> sources;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    std::shared_ptr<const ItemSource> s = source_from_js(env, a.Get(i));
    if (!s) return nullptr;
    const std::string which = " (sources[" + std::to_string(i) + "])";
    if (s->field_count() != 1) {
      throw_error(env, "ERR_INVALID_ARG", "NativeFieldsSource: a source already has several fields" + which);
      return nullptr;
    }
    if (!sources.empty() && s->length() != sources.front()->length()) {
      throw_error(env, "ERR_INVALID_ARG", "the fields have different lengths: " + std::to_string(sources.front()->length()) +
                                              " and " + std::to_string(s->length()) + which);
      return nullptr;
    }
    sources.push_back(std::move(s));
  }
  return std::make_shared<FieldsSource>(std::move(sources));
}

constexpr SourceSpec kFieldsSource{"NativeFieldsSource", {0x1f94d7b2c05e6a38ULL, 0xa2d45c7e9b0f1e63ULL}, &make_fields_source};

}  // namespace

SourceClass packed_source_class() { return source_class<PackedSourceWrap>(); }
SourceClass fields_source_class() { return source_class<PlainSourceWrap<kFieldsSource>>(); }

}  // namespace tl::js
