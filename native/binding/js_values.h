// Core values as the JS values the source classes show: shapes, dtype names, shard tables.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/npy_header.h"

namespace tl::js {

// A whole number from 0 to `max` in `v`, into `out`; false with an error naming `what` pending
// otherwise (a TypeError when it is not a number, a RangeError when it is out of range).
bool whole_number(Napi::Env env, Napi::Value v, double max, const std::string& what, uint64_t& out);

// [d0, d1, ...] as numbers.
Napi::Array dims_to_js(Napi::Env env, const std::vector<uint64_t>& dims);
// 'float32', 'float64', 'uint8', 'int32' or 'int64'.
const char* npy_dtype_name(NpyType type);

// [{ path, <firstName>: first, <countName>: count, bytes }] for a source's shards in order,
// whatever its shard record calls the first item and the item count.
template <typename Shard, typename N>
Napi::Array shards_to_js(Napi::Env env, const std::vector<Shard>& shards, const char* first_name, N Shard::*first,
                         const char* count_name, N Shard::*count) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const Shard& s : shards) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", s.path);
    o.Set(first_name, static_cast<double>(s.*first));
    o.Set(count_name, static_cast<double>(s.*count));
    o.Set("bytes", static_cast<double>(s.bytes));
    out.Set(i++, o);
  }
  return out;
}

}  // namespace tl::js
