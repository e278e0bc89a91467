// NativePackWriter: the JS face of PackWriter. The TypeScript pack() drives it one row group at
// a time, on the JS thread, while the loader's pool decodes the next groups.
#pragma once

#include <napi.h>

#include <memory>

#include "core/pack_writer.h"

namespace tl::js {

class PackWriterWrap : public Napi::ObjectWrap<PackWriterWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new NativePackWriter(directory, fields: [{ name, dtype, encoding, shape }], meta: string)
  explicit PackWriterWrap(const Napi::CallbackInfo& info);

 private:
  // writeGroup(n, columns): columns[f] is a typed array of n raw values, or n paths for an
  // image field. Throws an error with .code on failure (the group is then not recorded).
  Napi::Value WriteGroup(const Napi::CallbackInfo& info);
  // commit(setId: bigint, firstRecord, totalRecords, shardNumber, shardCount)
  Napi::Value Commit(const Napi::CallbackInfo& info);
  Napi::Value Publish(const Napi::CallbackInfo& info);
  // Drops the file now (nothing is left behind); later calls throw.
  Napi::Value Discard(const Napi::CallbackInfo& info);
  Napi::Value Records(const Napi::CallbackInfo& info);
  Napi::Value Bytes(const Napi::CallbackInfo& info);
  Napi::Value ContentCrc(const Napi::CallbackInfo& info);
  PackWriter* writer(Napi::Env env);

  std::unique_ptr<PackWriter> writer_;
};

}  // namespace tl::js
