// NativePackedSource(paths): a packed shard set (core/packed_source.h), with its stored fields,
// meta, shards, configure, verify and advise.
#include <string>
#include <utility>
#include <vector>

#include "binding/errors_js.h"
#include "binding/image_options_js.h"
#include "binding/js_values.h"
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

std::shared_ptr<PackedSource> make_packed_source(const Napi::CallbackInfo& info) {
  std::vector<std::string> paths;
  if (!paths_arg(info, 0, "NativePackedSource(paths: string[], subset?: boolean)", paths)) return nullptr;
  const bool subset = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  auto source = std::make_shared<PackedSource>(std::move(paths), subset);
  const std::string failed = source->failed_path();
  return opened(info, std::move(source), failed);
}

// [{ name, dtype, encoding: 'raw' | 'image', shape, rowBytes }] as stored.
Napi::Value fields(const Napi::CallbackInfo& info, PackedSource& packed) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const PackedField& f : packed.header().fields) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", f.name);
    o.Set("dtype", packed_dtype_name(f.dtype));
    o.Set("encoding", f.encoding == PackedEncoding::kImage ? "image" : "raw");
    o.Set("shape", dims_to_js(env, f.shape));
    o.Set("rowBytes", static_cast<double>(f.row_bytes));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value meta(const Napi::CallbackInfo& info, PackedSource& packed) { return Napi::String::New(info.Env(), packed.header().meta); }

// [{ path, firstRecord, records, bytes }] in shard order.
Napi::Value shards(const Napi::CallbackInfo& info, PackedSource& packed) {
  return shards_to_js(info.Env(), packed.shards(), "firstRecord", &PackedSource::ShardInfo::first_record, "records",
                      &PackedSource::ShardInfo::records);
}

// configure(outputs: [{ field, convert?, image? }], verify: 'never' | 'first-read' | 'always'):
// once, before any loader exists (the source is shared with loaders, which only read).
Napi::Value configure(const Napi::CallbackInfo& info, PackedSource& packed) {
  Napi::Env env = info.Env();
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
  return undefined_or_throw(env, packed.configure(outputs, mode), "");
}

// verify(first, count): null, or the ItemError of the first corrupt record in the range.
Napi::Value verify(const Napi::CallbackInfo& info, PackedSource& packed) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "verify(first, count)");
  const int64_t first = info[0].As<Napi::Number>().Int64Value();
  const int64_t count = info[1].As<Napi::Number>().Int64Value();
  if (first < 0 || count < 0) return throw_range_error(env, "verify: first and count must be >= 0");
  size_t failed = 0;
  ItemStatus s = packed.verify(static_cast<size_t>(first), static_cast<size_t>(count), &failed);
  if (!s.ok()) return item_error(env, s, failed, packed.describe(failed));
  return env.Null();
}

// advise('sequential' | 'random')
Napi::Value advise(const Napi::CallbackInfo& info, PackedSource& packed) {
  const std::string p = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  packed.advise(p == "sequential" ? AccessPattern::kSequential : AccessPattern::kRandom);
  return info.Env().Undefined();
}

using Member = SourceMember<PackedSource>;
const SourceDef<PackedSource> kPackedSource{
    "NativePackedSource", {0x7a3e19c45db20f81ULL, 0x4c6f2a90e1b83d57ULL}, &make_packed_source,
    {{Member::kAccessor, "fields", &fields}, {Member::kAccessor, "meta", &meta}, {Member::kAccessor, "shards", &shards},
     {Member::kMethod, "configure", &configure}, {Member::kMethod, "verify", &verify}, {Member::kMethod, "advise", &advise}}};

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

const SourceDef<const ItemSource> kFieldsSource{"NativeFieldsSource", {0x1f94d7b2c05e6a38ULL, 0xa2d45c7e9b0f1e63ULL}, &make_fields_source, {}};

}  // namespace

SourceClass packed_source_class() { return source_class<SourceWrap<PackedSource, kPackedSource>>(); }
SourceClass fields_source_class() { return source_class<SourceWrap<const ItemSource, kFieldsSource>>(); }

}  // namespace tl::js
