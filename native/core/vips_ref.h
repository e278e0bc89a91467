// Owning pointers for libvips objects (GObjects), so no early return leaks a pipeline.
#pragma once

#include <vips/vips.h>

#include <string>
#include <utility>

namespace tl {

template <typename T>
class GRef {
 public:
  GRef() = default;
  explicit GRef(T* p) : p_(p) {}
  ~GRef() { reset(); }
  GRef(const GRef&) = delete;
  GRef& operator=(const GRef&) = delete;
  GRef(GRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  GRef& operator=(GRef&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  T* get() const { return p_; }
  T** out() {
    reset();
    return &p_;
  }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() {
    if (p_ != nullptr) g_object_unref(p_);
    p_ = nullptr;
  }

 private:
  T* p_ = nullptr;
};

using ImageRef = GRef<VipsImage>;
using RegionRef = GRef<VipsRegion>;

// The newest libvips error message (its buffer is process-wide), then cleared.
inline std::string take_vips_error() {
  char* all = vips_error_buffer_copy();
  std::string text = all != nullptr ? all : "";
  g_free(all);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  size_t nl = text.rfind('\n');
  if (nl != std::string::npos) text = text.substr(nl + 1);
  return text.empty() ? "libvips failed without a message" : text;
}

}  // namespace tl
