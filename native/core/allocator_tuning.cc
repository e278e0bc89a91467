#include "core/allocator_tuning.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tl {

bool tune_allocator() {
  static std::once_flag once;
  static bool applied = false;
  std::call_once(once, [] {
    const char* env = std::getenv("TENSORLOADER_MALLOC_TUNING");
    if (env != nullptr && std::strcmp(env, "0") == 0) return;
#if defined(__GLIBC__)
    // Chunks up to 32 MiB come from the heap, and up to 256 MiB of free heap is kept.
    applied = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1 && mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024) == 1;
#endif
  });
  return applied;
}

void release_free_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace tl
