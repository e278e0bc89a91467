// NativeTarSource(paths, fields): WebDataset tar shards (core/tar_source.h), plus the shard
// table, array fields' dtype and shape, and each sample's key, extensions and raw members.
#include <string>
#include <utility>
#include <vector>

#include "binding/errors_js.h"
#include "binding/image_options_js.h"
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

bool index_arg(const Napi::CallbackInfo& info, const TarSource& source, size_t& index) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw_type_error(info.Env(), "expected an index");
    return false;
  }
  const int64_t i = info[0].As<Napi::Number>().Int64Value();
  if (i < 0 || static_cast<uint64_t>(i) >= source.length()) {
    throw_range_error(info.Env(), "index " + std::to_string(i) + " is out of range");
    return false;
  }
  index = static_cast<size_t>(i);
  return true;
}

class TarSourceWrap final : public SourceWrap<TarSourceWrap> {
 public:
  static constexpr const char* kName = "NativeTarSource";
  static constexpr napi_type_tag kTypeTag = {0x5b2e8f14a7c3d960ULL, 0x0e6d93b1f4a2c785ULL};

  static MemberList Members() {
    return {InstanceAccessor<&TarSourceWrap::Shards>("shards"), InstanceAccessor<&TarSourceWrap::Arrays>("arrays"),
            InstanceMethod<&TarSourceWrap::Key>("key"), InstanceMethod<&TarSourceWrap::Extensions>("extensions"),
            InstanceMethod<&TarSourceWrap::Member>("member")};
  }

  explicit TarSourceWrap(const Napi::CallbackInfo& info) : SourceWrap(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray()) {
      throw_type_error(env, "NativeTarSource(paths: string[], fields: object[])");
      return;
    }
    std::vector<std::string> paths;
    if (!paths_from_js(env, info[0].As<Napi::Array>(), paths)) return;
    std::vector<TarFieldSpec> fields;
    if (!fields_from_js(env, info[1].As<Napi::Array>(), fields)) return;
    auto source = std::make_shared<TarSource>(std::move(paths), TarLimits{});
    ItemStatus s = source->status();
    if (s.ok()) s = source->configure(std::move(fields));
    if (!s.ok()) {
      throw_status(env, s, source->failed_path());
      return;
    }
    tar_ = source.get();
    adopt(info, std::move(source));
  }

 private:
  Napi::Value Shards(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t i = 0;
    for (const TarSource::ShardInfo& s : tar_->shards()) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("path", s.path);
      o.Set("firstSample", static_cast<double>(s.first_sample));
      o.Set("samples", static_cast<double>(s.samples));
      o.Set("bytes", static_cast<double>(s.bytes));
      out.Set(i++, o);
    }
    return out;
  }

  Napi::Value Arrays(const Napi::CallbackInfo& info) {
    static const char* kNames[] = {"float32", "float64", "uint8", "int32", "int64"};
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    for (uint32_t f = 0; f < tar_->field_count(); ++f) {
      const NpyHeader* h = tar_->array_header(f);
      if (h == nullptr) {
        out.Set(f, env.Null());
        continue;
      }
      Napi::Object o = Napi::Object::New(env);
      o.Set("dtype", kNames[static_cast<int>(h->type)]);
      Napi::Array shape = Napi::Array::New(env);
      for (uint32_t d = 0; d < h->shape.size(); ++d) shape.Set(d, static_cast<double>(h->shape[d]));
      o.Set("shape", shape);
      out.Set(f, o);
    }
    return out;
  }

  Napi::Value Key(const Napi::CallbackInfo& info) {
    size_t index = 0;
    if (!index_arg(info, *tar_, index)) return info.Env().Undefined();
    return Napi::String::New(info.Env(), tar_->key(index));
  }

  Napi::Value Extensions(const Napi::CallbackInfo& info) {
    size_t index = 0;
    if (!index_arg(info, *tar_, index)) return info.Env().Undefined();
    Napi::Array out = Napi::Array::New(info.Env());
    uint32_t i = 0;
    for (const std::string& e : tar_->extensions(index)) out.Set(i++, e);
    return out;
  }

  Napi::Value Member(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t index = 0;
    if (!index_arg(info, *tar_, index)) return env.Undefined();
    if (info.Length() < 2 || !info[1].IsString()) return throw_type_error(env, "member(index, ext: string)");
    std::vector<char> bytes;
    ItemStatus s;
    if (!tar_->member(index, info[1].As<Napi::String>().Utf8Value(), bytes, s)) return env.Null();
    if (!s.ok()) return throw_status(env, s, tar_->describe(index));
    return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
  }

  const TarSource* tar_ = nullptr;  // owned by the base's source
};

}  // namespace

SourceClass tar_source_class() { return source_class<TarSourceWrap>(); }

}  // namespace tl::js
