// Module entry: starts libvips once and exports the classes, setErrorClasses and the process-wide counters.
#include <napi.h>

#include <string>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "binding/errors_js.h"
#include "binding/loader_wrap.h"
#include "binding/pack_writer_wrap.h"
#include "binding/source_registry.h"
#include "core/allocator_tuning.h"
#include "core/counters.h"
#include "core/file_reader.h"
#include "core/vips_runtime.h"

namespace tl::js {

Napi::Value NativeCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Counters& c = counters();
  Napi::Object o = Napi::Object::New(env);
  o.Set("openDescriptors", static_cast<double>(c.open_descriptors.load()));
  o.Set("liveMappings", static_cast<double>(c.live_mappings.load()));
  o.Set("mappedBytes", static_cast<double>(c.mapped_bytes.load()));
  o.Set("arenaBytes", static_cast<double>(c.arena_bytes.load()));
  o.Set("arenasLive", static_cast<double>(c.arenas_live.load()));
  o.Set("slotsLeased", static_cast<double>(c.slots_leased.load()));
  o.Set("poolThreads", static_cast<double>(c.pool_threads.load()));
  o.Set("ioRings", static_cast<double>(c.io_rings.load()));
  o.Set("itemsRead", static_cast<double>(c.items_read.load()));
  // V8's own total of what addons reported with napi_adjust_external_memory (the figure its
  // GC heuristics use); Node 20's process.memoryUsage().external does not include it.
  int64_t v8_external = 0;
  napi_adjust_external_memory(env, 0, &v8_external);
  o.Set("v8ExternalBytes", static_cast<double>(v8_external));
  return o;
}

#if defined(__SANITIZE_ADDRESS__)
// Sanitizer builds only: runs LeakSanitizer's check now and says whether it found leaks (the
// report goes where ASAN_OPTIONS sends reports). vitest ends its test processes with SIGTERM,
// which skips the check LeakSanitizer makes at exit, so test/helpers/lsan-setup.ts calls this
// after each test file instead. Does nothing (false) when leak detection is off.
Napi::Value LeakCheck(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), __lsan_do_recoverable_leak_check() != 0);
}
#endif

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  std::string error;
  if (!vips_runtime_init(&error)) {
    throw_error(env, "EVIPS", "libvips failed to initialise: " + error);
    return exports;
  }
  tune_allocator();
  export_sources(env, exports);
  exports.Set("NativePackWriter", PackWriterWrap::Define(env));
  exports.Set("NativeLoader", LoaderWrap::Define(env));
  exports.Set("setErrorClasses", Napi::Function::New<set_error_classes>(env, "setErrorClasses"));
  exports.Set("counters", Napi::Function::New<NativeCounters>(env, "counters"));
  exports.Set("vipsVersion", Napi::String::New(env, vips_runtime_version()));
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  exports.Set("mmapThreshold", Napi::Number::New(env, static_cast<double>(kDefaultMmapThreshold)));
#if defined(__SANITIZE_ADDRESS__)
  exports.Set("leakCheck", Napi::Function::New<LeakCheck>(env, "leakCheck"));
#endif
  return exports;
}

}  // namespace tl::js

static Napi::Object InitTensorloader(Napi::Env env, Napi::Object exports) {
  return tl::js::Init(env, exports);
}

NODE_API_MODULE(tensorloader, InitTensorloader)
