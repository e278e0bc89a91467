// NativeLoader: one BatchEngine exposed to JS. submit() returns the batch's slot, and the
// onDone given to the constructor is called with it when the batch is filled; a finished batch
// comes back as an external ArrayBuffer over its slot, whose finalizer returns the slot if the
// user never calls release().
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "core/batch_job.h"

namespace tl::js {

struct LoaderState;
struct SlotState;

class LoaderWrap : public Napi::ObjectWrap<LoaderWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit LoaderWrap(const Napi::CallbackInfo& info);
  ~LoaderWrap() override;

 private:
  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value Refill(const Napi::CallbackInfo& info);
  Napi::Value Compact(const Napi::CallbackInfo& info);
  // The failed items of a finished batch whose onDone reported failed > 0.
  Napi::Value Failures(const Napi::CallbackInfo& info);
  Napi::Value HandOut(const Napi::CallbackInfo& info);
  SlotState* LeasedSlot(const Napi::CallbackInfo& info);
  Napi::Value Track(Napi::Env env, BatchJob* job, const ItemStatus& error);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  // Moves the baseline of stats()' stage times, items and slot wait to now.
  Napi::Value ResetTimes(const Napi::CallbackInfo& info);
  // Slots not leased: what the loader checks before every submit, without building stats().
  Napi::Value FreeSlots(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<LoaderState> state_;
};

}  // namespace tl::js
