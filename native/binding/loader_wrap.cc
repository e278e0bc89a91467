#include "binding/loader_wrap.h"

#include <string>
#include <vector>

#include "binding/errors_js.h"
#include "binding/source_registry.h"
#include "core/batch_engine.h"

namespace tl::js {

struct SlotState {
  uint64_t generation = 0;
  uint64_t job_id = 0;
  // Submitted or refilled, and its onDone not yet called. No promise per batch: the JS side
  // makes its own (a promise made from C++ costs an N-API call into its executor and two
  // references, a large part of a small batch's fixed cost), and onDone gets three numbers.
  bool in_flight = false;
  Napi::Reference<Napi::ArrayBuffer> view;  // weak; while handed out
  bool handed_out = false;
};

namespace {

// What a handed-out ArrayBuffer needs to give its slot back when it is collected.
struct ViewToken {
  std::shared_ptr<LoaderState> state;
  int slot;
  uint64_t generation;
};

}  // namespace

// Shared by the wrap, the thread-safe function and every handed-out view, so the slab outlives
// all of them. Touched only on the JS thread, except `tsfn`, which pool threads call.
struct LoaderState : std::enable_shared_from_this<LoaderState> {
  napi_env env = nullptr;
  std::unique_ptr<BatchEngine> engine;
  std::vector<SlotState> slots;
  napi_threadsafe_function tsfn = nullptr;
  size_t pending = 0;
  uint64_t next_generation = 1;
  int64_t external_bytes = 0;  // reported to V8 with napi_adjust_external_memory
  bool closed = false;
  bool hook_registered = false;
  bool torn_down = false;  // the environment is exiting: no more N-API calls on references

  ~LoaderState() {
    engine.reset();  // joins the pool (if still running) and frees the slab
    if (external_bytes != 0 && !torn_down) {
      int64_t ignored = 0;
      napi_adjust_external_memory(env, -external_bytes, &ignored);
    }
  }

  // In-flight batches get no onDone any more: the caller of close() settles its own waits.
  void detach_views_and_forget_jobs(bool can_call_js) {
    for (SlotState& s : slots) {
      if (can_call_js && s.handed_out && !s.view.IsEmpty()) {
        Napi::ArrayBuffer ab = s.view.Value();
        if (!ab.IsEmpty() && !ab.IsDetached()) ab.Detach();
      }
      s.view.Reset();
      s.handed_out = false;
      s.in_flight = false;
    }
    pending = 0;
  }

  // Explicit close() from JS: stop threads, detach every view, free the slab now.
  void close() {
    if (closed || torn_down) return;
    closed = true;
    engine->shutdown(false);
    detach_views_and_forget_jobs(true);
    engine->shutdown(true);
    if (external_bytes != 0) {
      int64_t ignored = 0;
      napi_adjust_external_memory(env, -external_bytes, &ignored);
      external_bytes = 0;
    }
    release_tsfn();
  }

  void unregister_hook() {
    if (hook_registered) napi_remove_env_cleanup_hook(env, &LoaderState::on_env_teardown, this);
    hook_registered = false;
  }

  void release_tsfn() {
    if (tsfn != nullptr) {
      napi_release_threadsafe_function(tsfn, napi_tsfn_release);
      tsfn = nullptr;
    }
  }

  // The environment (main thread or a worker) is going away: threads must stop before it does.
  static void on_env_teardown(void* arg) {
    auto* self = static_cast<LoaderState*>(arg);
    self->engine->shutdown(true);
    self->detach_views_and_forget_jobs(false);
    self->closed = true;
    self->torn_down = true;
    self->hook_registered = false;
    self->tsfn = nullptr;  // node finalizes it itself during teardown
  }
};

namespace {

void finalize_view(napi_env, void*, void* hint) {
  std::unique_ptr<ViewToken> token(static_cast<ViewToken*>(hint));
  LoaderState& st = *token->state;
  if (st.closed || st.torn_down) return;
  SlotState& s = st.slots[static_cast<size_t>(token->slot)];
  if (s.handed_out && s.generation == token->generation) {
    s.view.Reset();
    s.handed_out = false;
    st.engine->release(token->slot);
  }
}

// The failed items of a finished job (position = row within the job).
Napi::Array job_failures(Napi::Env env, LoaderState& st, const BatchJob& job) {
  Napi::Array failures = Napi::Array::New(env);
  uint32_t n = 0;
  for (size_t i = 0; i < job.count; ++i) {
    if (job.statuses[i].ok()) continue;
    size_t index = job.indices[i];
    Napi::Object f = failure_object(env, job.statuses[i], index, st.engine->source().describe(index));
    f.Set("position", static_cast<double>(i));
    failures.Set(n++, f);
  }
  return failures;
}

// Runs on the JS thread for each finished batch: onDone(slot, generation, failed). `context`
// is the LoaderState. The slot stays leased: the loader then hands it out, compacts and
// refills it, or releases it.
void deliver_batch(napi_env raw_env, napi_value on_done, void* context, void* data) {
  if (raw_env == nullptr || on_done == nullptr) return;  // the environment is tearing down
  auto* st = static_cast<LoaderState*>(context);
  auto* job = static_cast<BatchJob*>(data);
  if (st->closed || st->torn_down) return;
  SlotState& s = st->slots[static_cast<size_t>(job->slot)];
  if (!s.in_flight || s.job_id != job->id) return;
  s.in_flight = false;
  if (--st->pending == 0 && st->tsfn != nullptr) napi_unref_threadsafe_function(raw_env, st->tsfn);
  napi_value args[3];
  napi_create_int32(raw_env, job->slot, &args[0]);
  napi_create_double(raw_env, static_cast<double>(s.generation), &args[1]);
  napi_create_uint32(raw_env, static_cast<uint32_t>(job->failed.load(std::memory_order_acquire)), &args[2]);
  napi_value undefined = nullptr;
  napi_get_undefined(raw_env, &undefined);
  // An exception thrown by onDone stays pending and reaches the process as any callback's.
  napi_call_function(raw_env, undefined, on_done, 3, args, nullptr);
}

void finalize_tsfn(napi_env, void* finalize_data, void*) {
  delete static_cast<std::shared_ptr<LoaderState>*>(finalize_data);
}

size_t size_option(Napi::Object options, const char* name, size_t fallback, size_t max, bool* bad) {
  Napi::Value v = options.Get(name);
  if (v.IsUndefined()) return fallback;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= static_cast<double>(max)) || d != static_cast<double>(static_cast<int64_t>(d))) {
    *bad = true;
    return fallback;
  }
  return static_cast<size_t>(d);
}

}  // namespace

Napi::Function LoaderWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeLoader",
                     {InstanceMethod<&LoaderWrap::Submit>("submit"),
                      InstanceMethod<&LoaderWrap::Refill>("refill"),
                      InstanceMethod<&LoaderWrap::Compact>("compact"),
                      InstanceMethod<&LoaderWrap::Failures>("failures"),
                      InstanceMethod<&LoaderWrap::HandOut>("handOut"),
                      InstanceMethod<&LoaderWrap::Release>("release"),
                      InstanceMethod<&LoaderWrap::Stats>("stats"),
                      InstanceMethod<&LoaderWrap::ResetTimes>("resetTimes"),
                      InstanceMethod<&LoaderWrap::FreeSlots>("freeSlots"),
                      InstanceMethod<&LoaderWrap::Close>("close")});
}

LoaderWrap::LoaderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LoaderWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[1].IsObject() || !info[2].IsFunction()) {
    throw_type_error(env, "NativeLoader(source, { batchSize, slots, threads }, onDone(slot, generation, failed))");
    return;
  }
  std::shared_ptr<const ItemSource> source = source_from_js(env, info[0]);
  if (!source) return;
  Napi::Object options = info[1].As<Napi::Object>();
  bool bad = false;
  EngineOptions eo;
  eo.batch_size = size_option(options, "batchSize", 32, 1 << 20, &bad);
  eo.slots = size_option(options, "slots", 4, 4096, &bad);
  eo.threads = size_option(options, "threads", 0, 256, &bad);
  eo.max_item_bytes = size_option(options, "maxItemBytes", 0, size_t{1} << 50, &bad);
  Napi::Value stage_times = options.Get("stageTimes");
  if (!stage_times.IsUndefined() && !stage_times.IsBoolean()) bad = true;
  if (stage_times.IsBoolean()) eo.stage_times = stage_times.As<Napi::Boolean>().Value();
  if (bad || eo.batch_size == 0 || eo.slots == 0) {
    throw_type_error(env, "batchSize (1..2^20), slots (1..4096), threads (0..256) and maxItemBytes (0..2^50) must be integers, stageTimes a boolean");
    return;
  }

  state_ = std::make_shared<LoaderState>();
  LoaderState* st = state_.get();
  st->env = env;
  st->slots.resize(eo.slots);
  // Pool threads only post the finished job; everything else happens in deliver_batch.
  st->engine = std::make_unique<BatchEngine>(source, eo, [st](BatchJob* job) {
    if (st->tsfn != nullptr) napi_call_threadsafe_function(st->tsfn, job, napi_tsfn_nonblocking);
  });
  if (!st->engine->init_error().empty()) {
    std::string message = st->engine->init_error();
    st->closed = true;
    throw_error(env, "ENOMEM", message);
    return;
  }
  auto* keep_alive = new std::shared_ptr<LoaderState>(state_);
  napi_status status = napi_create_threadsafe_function(
      env, info[2], nullptr, Napi::String::New(env, "tensorloader.batch"), 0, 1, keep_alive,
      finalize_tsfn, st, deliver_batch, &st->tsfn);
  if (status != napi_ok) {
    delete keep_alive;
    st->engine->shutdown(true);
    st->closed = true;
    throw_error(env, "EIO", "cannot create the completion channel");
    return;
  }
  // Unreferenced while idle so an idle loader never keeps the process alive.
  napi_unref_threadsafe_function(env, st->tsfn);
  st->external_bytes = static_cast<int64_t>(st->engine->arena().reserved_bytes());
  int64_t ignored = 0;
  napi_adjust_external_memory(env, st->external_bytes, &ignored);
  napi_add_env_cleanup_hook(env, &LoaderState::on_env_teardown, st);
  st->hook_registered = true;
}

LoaderWrap::~LoaderWrap() {
  if (!state_) return;
  LoaderState* st = state_.get();
  if (st->torn_down) return;
  st->unregister_hook();
  // Collected without close(): stop the threads now; the slab lives on until the last view
  // handed out from it is collected (the views' tokens share the state).
  st->engine->shutdown(false);
  st->pending = 0;
  st->release_tsfn();
}

namespace {

bool epoch_arg(const Napi::CallbackInfo& info, size_t i, uint32_t* epoch) {
  if (info.Length() <= i || info[i].IsUndefined()) return true;
  if (!info[i].IsNumber()) return false;
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0)) return false;
  *epoch = static_cast<uint32_t>(d);
  return true;
}

bool is_uint32_array(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint32_array;
}

}  // namespace

// The slot of (slot, generation) when it is leased to that generation, else nullptr.
SlotState* LoaderWrap::LeasedSlot(const Napi::CallbackInfo& info) {
  LoaderState& st = *state_;
  if (st.closed || info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return nullptr;
  int64_t slot = info[0].As<Napi::Number>().Int64Value();
  auto generation = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
  if (slot < 0 || static_cast<size_t>(slot) >= st.slots.size()) return nullptr;
  SlotState& s = st.slots[static_cast<size_t>(slot)];
  if (s.generation != generation || !st.engine->arena().is_leased(static_cast<int>(slot))) return nullptr;
  return &s;
}

// Marks the job's slot in flight (its onDone is awaited); returns the slot.
Napi::Value LoaderWrap::Track(Napi::Env env, BatchJob* job, const ItemStatus& error) {
  LoaderState& st = *state_;
  if (job == nullptr) return throw_error(env, error);
  SlotState& s = st.slots[static_cast<size_t>(job->slot)];
  s.job_id = job->id;
  s.in_flight = true;
  if (st.pending++ == 0) napi_ref_threadsafe_function(env, st.tsfn);
  return Napi::Number::New(env, job->slot);
}

Napi::Value LoaderWrap::Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoaderState& st = *state_;
  if (st.closed) return throw_error(env, "ECLOSED", "the loader is closed");
  uint32_t epoch = 0;
  if (info.Length() < 1 || !is_uint32_array(info[0]) || !epoch_arg(info, 1, &epoch) ||
      (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsBoolean())) {
    return throw_type_error(env, "submit(indices: Uint32Array, epoch?: number, waited?: boolean)");
  }
  const bool waited = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  Napi::Uint32Array indices = info[0].As<Napi::Uint32Array>();
  ItemStatus error;
  BatchJob* job = st.engine->submit(indices.Data(), indices.ElementLength(), epoch, &error, waited);
  if (job != nullptr) st.slots[static_cast<size_t>(job->slot)].generation = st.next_generation++;
  return Track(env, job, error);
}

Napi::Value LoaderWrap::Refill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t epoch = 0;
  if (info.Length() < 4 || !info[2].IsNumber() || !is_uint32_array(info[3]) || !epoch_arg(info, 4, &epoch)) {
    return throw_type_error(env, "refill(slot, generation, position: number, indices: Uint32Array, epoch?: number)");
  }
  SlotState* s = LeasedSlot(info);
  if (s == nullptr || s->in_flight || s->handed_out) {
    return throw_error(env, "ERR_INVALID_STATE", "refill: the slot is not a finished, unreleased batch");
  }
  int64_t position = info[2].As<Napi::Number>().Int64Value();
  if (position < 0) return throw_type_error(env, "refill: position must be >= 0");
  Napi::Uint32Array indices = info[3].As<Napi::Uint32Array>();
  ItemStatus error;
  BatchJob* job = state_->engine->refill(info[0].As<Napi::Number>().Int32Value(), static_cast<size_t>(position),
                                         indices.Data(), indices.ElementLength(), epoch, &error);
  return Track(env, job, error);
}

Napi::Value LoaderWrap::Compact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !is_uint32_array(info[2])) {
    return throw_type_error(env, "compact(slot, generation, keep: Uint32Array)");
  }
  SlotState* s = LeasedSlot(info);
  if (s == nullptr || s->in_flight || s->handed_out) {
    return throw_error(env, "ERR_INVALID_STATE", "compact: the slot is not a finished, unreleased batch");
  }
  Napi::Uint32Array keep = info[2].As<Napi::Uint32Array>();
  if (!state_->engine->compact(info[0].As<Napi::Number>().Int32Value(), keep.Data(), keep.ElementLength())) {
    return throw_type_error(env, "compact: keep must be ascending row numbers within the batch");
  }
  return env.Undefined();
}

Napi::Value LoaderWrap::Failures(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SlotState* s = LeasedSlot(info);
  if (s == nullptr || s->in_flight || s->handed_out) {
    return throw_error(env, "ERR_INVALID_STATE", "failures: the slot is not a finished, unreleased batch");
  }
  return job_failures(env, *state_, state_->engine->job(info[0].As<Napi::Number>().Int32Value()));
}

Napi::Value LoaderWrap::HandOut(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoaderState& st = *state_;
  if (info.Length() < 3 || !info[2].IsNumber()) return throw_type_error(env, "handOut(slot, generation, count)");
  SlotState* s = LeasedSlot(info);
  if (s == nullptr || s->in_flight || s->handed_out) {
    return throw_error(env, "ERR_INVALID_STATE", "handOut: the slot is not a finished, unreleased batch");
  }
  int64_t count = info[2].As<Napi::Number>().Int64Value();
  if (count < 1 || static_cast<size_t>(count) > st.engine->batch_size()) {
    return throw_type_error(env, "handOut: count must be 1.." + std::to_string(st.engine->batch_size()));
  }
  const int slot = info[0].As<Napi::Number>().Int32Value();
  // Several fields: the whole slot, each field's plane at its offset (stats().fieldOffsets).
  const std::vector<FieldPlane>& planes = st.engine->planes();
  const size_t bytes = planes.size() == 1 ? static_cast<size_t>(count) * planes[0].row_bytes : st.engine->arena().slot_bytes();
  auto* token = new ViewToken{state_, slot, s->generation};
  napi_value ab = nullptr;
  if (napi_create_external_arraybuffer(env, st.engine->arena().slot_data(slot), bytes, finalize_view, token, &ab) != napi_ok) {
    delete token;
    return throw_error(env, "EIO", "cannot create an external ArrayBuffer over the slot");
  }
  Napi::ArrayBuffer buffer(env, ab);
  s->view = Napi::Weak(buffer);
  s->handed_out = true;
  return buffer;
}

Napi::Value LoaderWrap::Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SlotState* s = LeasedSlot(info);
  if (s == nullptr || s->in_flight) return Napi::Boolean::New(env, false);
  // Detach first: a view the user still holds must read as empty, never as the next batch.
  if (s->handed_out && !s->view.IsEmpty()) {
    Napi::ArrayBuffer ab = s->view.Value();
    if (!ab.IsEmpty() && !ab.IsDetached()) ab.Detach();
  }
  s->view.Reset();
  s->handed_out = false;
  return Napi::Boolean::New(env, state_->engine->release(info[0].As<Napi::Number>().Int32Value()));
}

Napi::Value LoaderWrap::FreeSlots(const Napi::CallbackInfo& info) {
  const Arena& arena = state_->engine->arena();
  return Napi::Number::New(info.Env(), static_cast<double>(arena.slot_count() - arena.leased_count()));
}

Napi::Value LoaderWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const LoaderState& st = *state_;
  const Arena& arena = st.engine->arena();
  Napi::Object o = Napi::Object::New(env);
  o.Set("slots", static_cast<double>(arena.slot_count()));
  o.Set("slotsLeased", static_cast<double>(arena.leased_count()));
  o.Set("slotBytes", static_cast<double>(arena.slot_bytes()));
  o.Set("arenaBytes", static_cast<double>(arena.reserved_bytes()));
  o.Set("pending", static_cast<double>(st.pending));
  o.Set("threads", static_cast<double>(st.closed ? 0 : st.engine->threads()));
  o.Set("batchSize", static_cast<double>(st.engine->batch_size()));
  o.Set("closed", st.closed);
  o.Set("externalBytes", static_cast<double>(st.external_bytes));
  Napi::Array offsets = Napi::Array::New(env);
  const std::vector<FieldPlane>& planes = st.engine->planes();
  for (uint32_t f = 0; f < planes.size(); ++f) offsets.Set(f, static_cast<double>(planes[f].offset));
  o.Set("fieldOffsets", offsets);
  const PoolTimes times = st.engine->times();
  static const char* const kStageNames[kStageCount] = {"read", "decode", "resample", "convert", "copy"};
  Napi::Object stages = Napi::Object::New(env);
  for (size_t i = 0; i < kStageCount; ++i) stages.Set(kStageNames[i], static_cast<double>(times.stage_ns[i]) / 1e6);
  o.Set("stageMs", stages);
  o.Set("itemsFilled", static_cast<double>(times.items));
  o.Set("slotWaitMs", static_cast<double>(times.idle_ns) / 1e6);
  return o;
}

Napi::Value LoaderWrap::ResetTimes(const Napi::CallbackInfo& info) {
  state_->engine->reset_times();
  return info.Env().Undefined();
}

Napi::Value LoaderWrap::Close(const Napi::CallbackInfo& info) {
  LoaderState* st = state_.get();
  st->unregister_hook();
  st->close();
  return info.Env().Undefined();
}

}  // namespace tl::js
