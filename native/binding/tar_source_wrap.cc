// NativeTarSource(paths, fields): WebDataset tar shards (core/tar_source.h), plus the shard
// table, array fields' dtype and shape, and each sample's key, extensions and raw members.
#include <string>
#include <utility>
#include <vector>

#include "binding/errors_js.h"
#include "binding/image_options_js.h"
#include "binding/js_values.h"
#include "binding/source_registry.h"
#include "binding/source_wrap.h"
#include "core/tar_source.h"

namespace tl::js {
namespace {

// The fields argument; false with a TypeError pending on a malformed one (the TypeScript
// layer validates them first, so this only guards direct use of the binding).
bool fields_from_js(Napi::Env env, Napi::Array a, std::vector<TarFieldSpec>& out) {
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsObject()) {
      throw_type_error(env, "fields[i] must be an object");
      return false;
    }
    Napi::Object o = v.As<Napi::Object>();
    TarFieldSpec spec;
    if (!o.Get("name").IsString() || !o.Get("exts").IsArray() || !o.Get("kind").IsString()) {
      throw_type_error(env, "fields[i] needs name: string, exts: string[], kind: string");
      return false;
    }
    spec.name = o.Get("name").As<Napi::String>().Utf8Value();
    if (!paths_from_js(env, o.Get("exts").As<Napi::Array>(), spec.exts)) return false;
    const std::string kind = o.Get("kind").As<Napi::String>().Utf8Value();
    if (kind == "image") {
      spec.kind = TarFieldKind::kImage;
      if (!o.Get("image").IsObject()) {
        throw_type_error(env, "field '" + spec.name + "': image options missing");
        return false;
      }
      if (!image_options_from_js(env, o.Get("image").As<Napi::Object>(), "NativeTarSource", spec.image)) return false;
    } else if (kind == "label") {
      spec.kind = TarFieldKind::kLabel;
    } else if (kind == "array") {
      spec.kind = TarFieldKind::kArray;
    } else {
      throw_type_error(env, "field kind must be 'image', 'label' or 'array'");
      return false;
    }
    out.push_back(std::move(spec));
  }
  return true;
}

// info[0] as a sample index of `source`; false with an error pending otherwise.
bool index_arg(const Napi::CallbackInfo& info, const TarSource& source, size_t& index) {
  uint64_t i = 0;
  if (source.length() == 0 || !whole_number(info.Env(), info[0], static_cast<double>(source.length() - 1), "index", i)) {
    if (source.length() == 0) throw_range_error(info.Env(), "the source has no samples");
    return false;
  }
  index = static_cast<size_t>(i);
  return true;
}

std::shared_ptr<const TarSource> make_tar_source(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "NativeTarSource(paths: string[], fields: object[])";
  std::vector<std::string> paths;
  if (!paths_arg(info, 0, usage, paths)) return nullptr;
  if (!info[1].IsArray()) {
    throw_type_error(env, usage);
    return nullptr;
  }
  std::vector<TarFieldSpec> fields;
  if (!fields_from_js(env, info[1].As<Napi::Array>(), fields)) return nullptr;
  auto source = std::make_shared<TarSource>(std::move(paths), TarLimits{});
  ItemStatus s = source->status();
  if (s.ok()) s = source->configure(std::move(fields));
  if (!s.ok()) {
    throw_status(env, s, source->failed_path());
    return nullptr;
  }
  return source;
}

Napi::Value shards(const Napi::CallbackInfo& info, const TarSource& tar) {
  return shards_to_js(info.Env(), tar.shards(), "firstSample", &TarSource::ShardInfo::first_sample, "samples",
                      &TarSource::ShardInfo::samples);
}

// Per field: { dtype, shape } of an .npy array field, null for the others.
Napi::Value arrays(const Napi::CallbackInfo& info, const TarSource& tar) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  for (uint32_t f = 0; f < tar.field_count(); ++f) {
    const NpyHeader* h = tar.array_header(f);
    if (h == nullptr) {
      out.Set(f, env.Null());
      continue;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("dtype", npy_dtype_name(h->type));
    o.Set("shape", dims_to_js(env, h->shape));
    out.Set(f, o);
  }
  return out;
}

Napi::Value key(const Napi::CallbackInfo& info, const TarSource& tar) {
  size_t index = 0;
  if (!index_arg(info, tar, index)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), tar.key(index));
}

Napi::Value extensions(const Napi::CallbackInfo& info, const TarSource& tar) {
  size_t index = 0;
  if (!index_arg(info, tar, index)) return info.Env().Undefined();
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t i = 0;
  for (const std::string& e : tar.extensions(index)) out.Set(i++, e);
  return out;
}

// member(index, ext): the raw bytes of one member as a Buffer, or null when the sample has none.
Napi::Value member(const Napi::CallbackInfo& info, const TarSource& tar) {
  Napi::Env env = info.Env();
  size_t index = 0;
  if (!index_arg(info, tar, index)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsString()) return throw_type_error(env, "member(index, ext: string)");
  std::vector<char> bytes;
  ItemStatus s;
  if (!tar.member(index, info[1].As<Napi::String>().Utf8Value(), bytes, s)) return env.Null();
  if (!s.ok()) return throw_status(env, s, tar.describe(index));
  return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
}

using Member = SourceMember<const TarSource>;
const SourceDef<const TarSource> kTarSource{"NativeTarSource", {0x5b2e8f14a7c3d960ULL, 0x0e6d93b1f4a2c785ULL}, &make_tar_source,
                                      {{Member::kAccessor, "shards", &shards}, {Member::kAccessor, "arrays", &arrays},
                                       {Member::kMethod, "key", &key}, {Member::kMethod, "extensions", &extensions},
                                       {Member::kMethod, "member", &member}}};

}  // namespace

SourceClass tar_source_class() { return source_class<SourceWrap<const TarSource, kTarSource>>(); }

}  // namespace tl::js
