#include "core/allocator_tuning.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// Under ASan (and LSan) the sanitizer's allocator replaces malloc, so glibc's tuning calls would
// only wake glibc's own arenas: malloc_trim then attaches the calling pool thread to glibc's
// main arena behind its bookkeeping, and glibc asserts (attached_threads > 0) when that thread
// exits. There is nothing of ours in those arenas to tune or trim.
#if defined(__SANITIZE_ADDRESS__)
#define TL_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define TL_SANITIZER_ALLOCATOR 1
#endif
#endif
#if defined(__GLIBC__) && !defined(TL_SANITIZER_ALLOCATOR)
#define TL_GLIBC_ALLOCATOR 1
#endif

namespace tl {

bool tune_allocator() {
  static std::once_flag once;
  static bool applied = false;
  std::call_once(once, [] {
    const char* env = std::getenv("TENSORLOADER_MALLOC_TUNING");
    if (env != nullptr && std::strcmp(env, "0") == 0) return;
#if defined(TL_GLIBC_ALLOCATOR)
    // Chunks up to 32 MiB come from the heap, and up to 256 MiB of free heap is kept.
    applied = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1 && mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024) == 1;
#endif
  });
  return applied;
}

void release_free_heap() {
#if defined(TL_GLIBC_ALLOCATOR)
  malloc_trim(0);
#endif
}

}  // namespace tl
