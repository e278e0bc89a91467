#include "binding/pack_writer_wrap.h"

#include <string>
#include <utility>
#include <vector>

#include "binding/errors_js.h"
#include "binding/source_wrap.h"

namespace tl::js {

Napi::Function PackWriterWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativePackWriter",
                     {InstanceMethod<&PackWriterWrap::WriteGroup>("writeGroup"),
                      InstanceMethod<&PackWriterWrap::Commit>("commit"),
                      InstanceMethod<&PackWriterWrap::Publish>("publish"),
                      InstanceMethod<&PackWriterWrap::Discard>("discard"),
                      InstanceAccessor<&PackWriterWrap::Records>("records"),
                      InstanceAccessor<&PackWriterWrap::Bytes>("bytes"),
                      InstanceAccessor<&PackWriterWrap::ContentCrc>("contentCrc")});
}

PackWriterWrap::PackWriterWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PackWriterWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsString()) {
    throw_type_error(env, "NativePackWriter(directory: string, fields: object[], meta: string)");
    return;
  }
  const std::string directory = info[0].As<Napi::String>().Utf8Value();
  std::vector<PackedField> fields;
  Napi::Array a = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsObject()) {
      throw_type_error(env, "fields[" + std::to_string(i) + "] must be an object");
      return;
    }
    Napi::Object o = v.As<Napi::Object>();
    PackedField f;
    f.name = o.Get("name").IsString() ? o.Get("name").As<Napi::String>().Utf8Value() : "";
    const std::string dtype = o.Get("dtype").IsString() ? o.Get("dtype").As<Napi::String>().Utf8Value() : "";
    if (!packed_dtype_from_name(dtype, f.dtype)) {
      throw_type_error(env, "fields[" + std::to_string(i) + "].dtype '" + dtype + "' is not a packed dtype");
      return;
    }
    const std::string encoding = o.Get("encoding").IsString() ? o.Get("encoding").As<Napi::String>().Utf8Value() : "raw";
    f.encoding = encoding == "image" ? PackedEncoding::kImage : PackedEncoding::kRaw;
    if (f.encoding == PackedEncoding::kRaw) {
      if (!o.Get("shape").IsArray()) {
        throw_type_error(env, "fields[" + std::to_string(i) + "].shape must be an array");
        return;
      }
      Napi::Array shape = o.Get("shape").As<Napi::Array>();
      uint64_t bytes = packed_dtype_size(f.dtype);
      for (uint32_t d = 0; d < shape.Length(); ++d) {
        const double n = shape.Get(d).IsNumber() ? shape.Get(d).As<Napi::Number>().DoubleValue() : -1;
        if (!(n >= 1 && n <= 1e9)) {
          throw_type_error(env, "fields[" + std::to_string(i) + "].shape has a bad dimension");
          return;
        }
        f.shape.push_back(static_cast<uint64_t>(n));
        bytes *= static_cast<uint64_t>(n);
      }
      if (bytes > kPackedMaxEncoded) {
        throw_type_error(env, "fields[" + std::to_string(i) + "] is over 1 GiB per record");
        return;
      }
      f.row_bytes = bytes;
    }
    fields.push_back(std::move(f));
  }
  ItemStatus s = PackWriter::create(directory, std::move(fields), info[2].As<Napi::String>().Utf8Value(), writer_);
  if (!s.ok()) throw_status(env, s, directory);
}

PackWriter* PackWriterWrap::writer(Napi::Env env) {
  if (!writer_) throw_error(env, "ERR_INVALID_STATE", "the pack writer was discarded");
  return writer_.get();
}

Napi::Value PackWriterWrap::WriteGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PackWriter* w = writer(env);
  if (w == nullptr) return env.Undefined();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsArray()) return throw_type_error(env, "writeGroup(n, columns)");
  const size_t n = static_cast<size_t>(info[0].As<Napi::Number>().Uint32Value());
  Napi::Array cols = info[1].As<Napi::Array>();
  std::vector<GroupColumn> columns(cols.Length());
  for (uint32_t f = 0; f < cols.Length(); ++f) {
    Napi::Value v = cols.Get(f);
    if (v.IsTypedArray()) {
      Napi::TypedArray t = v.As<Napi::TypedArray>();
      columns[f].data = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
      columns[f].bytes = t.ByteLength();
    } else if (v.IsArray()) {
      if (!paths_from_js(env, v.As<Napi::Array>(), columns[f].files)) return env.Undefined();
    } else {
      return throw_type_error(env, "columns[" + std::to_string(f) + "] must be a typed array or an array of paths");
    }
  }
  return undefined_or_throw(env, w->write_group(n, columns), "");
}

Napi::Value PackWriterWrap::Commit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PackWriter* w = writer(env);
  if (w == nullptr) return env.Undefined();
  if (info.Length() < 5 || !info[0].IsBigInt()) return throw_type_error(env, "commit(setId: bigint, first, total, shard, count)");
  bool lossless = false;
  const uint64_t set_id = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  auto num = [&](size_t i) { return info[i].IsNumber() ? info[i].As<Napi::Number>().Int64Value() : -1; };
  const int64_t first = num(1);
  const int64_t total = num(2);
  const int64_t shard = num(3);
  const int64_t count = num(4);
  if (first < 0 || total < 0 || shard < 0 || count < 1 || shard >= count) return throw_type_error(env, "commit: bad numbering");
  return undefined_or_throw(env, w->commit(set_id, static_cast<uint64_t>(first), static_cast<uint64_t>(total),
                                           static_cast<uint32_t>(shard), static_cast<uint32_t>(count)), "");
}

Napi::Value PackWriterWrap::Publish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PackWriter* w = writer(env);
  if (w == nullptr) return env.Undefined();
  if (info.Length() < 1 || !info[0].IsString()) return throw_type_error(env, "publish(path: string)");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  return undefined_or_throw(env, w->publish(path), path);
}

Napi::Value PackWriterWrap::Discard(const Napi::CallbackInfo& info) {
  writer_.reset();
  return info.Env().Undefined();
}

Napi::Value PackWriterWrap::Records(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), writer_ ? static_cast<double>(writer_->records()) : 0);
}

Napi::Value PackWriterWrap::Bytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), writer_ ? static_cast<double>(writer_->bytes()) : 0);
}

Napi::Value PackWriterWrap::ContentCrc(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), writer_ ? static_cast<double>(writer_->content_crc()) : 0);
}

}  // namespace tl::js
