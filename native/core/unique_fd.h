// Owns a file descriptor; closing is the destructor's job so no early return can leak one.
#pragma once

#include <unistd.h>

#include "core/counters.h"

namespace tl {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {
    if (fd_ >= 0) counters().open_descriptors.fetch_add(1, std::memory_order_relaxed);
  }
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.fd_;
      other.fd_ = -1;
    }
    return *this;
  }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
      counters().open_descriptors.fetch_sub(1, std::memory_order_relaxed);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace tl
