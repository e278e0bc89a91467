// Keeps the released addon loadable on glibc 2.28 although it is built on a newer glibc
// (Debian 12: 2.36). Linked into the addon only (CMakeLists.txt, TL_GLIBC_COMPAT), with
// `-Wl,--wrap=<name>` for each function below, which sends every reference to <name> -- ours
// and those of the static libstdc++/libgcc -- to __wrap_<name> here. The wrappers call the
// oldest version of the same function, bound with .symver, or, where glibc 2.28 has no such
// function, do the same job with what it has. `objdump -T` on the prebuild must then show no
// GLIBC version above 2.28 (scripts/check-addon-elf.mjs, run by scripts/prebuild.mjs).
//
// Why each one is newer than 2.28 when linked on 2.36:
// - pthread_*: moved from libpthread into libc in 2.34, with new symbol versions. The old
//   versions are the same functions.
// - exp, log: 2.29 versions without the SVID error-handling wrapper; the results are the same.
// - fstat: a real symbol only since 2.33; before that, __fxstat with the stat ABI version.
// - arc4random (2.36): libstdc++'s std::random_device uses it; getrandom (2.25) does the job.
// - _dl_find_object (2.35): libgcc's unwinder finds the unwind tables of a PC with it;
//   dl_iterate_phdr gives the same answer (the way libgcc did it before).
// - __libc_single_threaded (2.32) is data, so it cannot be wrapped: a hidden definition here
//   satisfies libstdc++'s references, and 0 ("other threads may exist") makes it always use
//   atomic reference counts, which is correct everywhere.
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__)
#define TL_GLIBC_BASE "GLIBC_2.2.5"
#define TL_STAT_VER 1
#elif defined(__aarch64__)
#define TL_GLIBC_BASE "GLIBC_2.17"
#define TL_STAT_VER 0
#else
#error "glibc_2_28.cc knows the base symbol versions of x86_64 and aarch64 only"
#endif

// TL_OLD(ret, name, params, args): __wrap_name(params) calls name@<base version>(args).
#define TL_OLD(ret, name, params, args)                                  \
  extern "C" ret tl_old_##name params;                                   \
  __asm__(".symver tl_old_" #name "," #name "@" TL_GLIBC_BASE);          \
  extern "C" __attribute__((visibility("hidden"))) ret __wrap_##name params { \
    return tl_old_##name args;                                           \
  }

TL_OLD(int, pthread_create, (pthread_t * t, const pthread_attr_t* a, void* (*f)(void*), void* p), (t, a, f, p))
TL_OLD(int, pthread_join, (pthread_t t, void** r), (t, r))
TL_OLD(int, pthread_detach, (pthread_t t), (t))
TL_OLD(int, pthread_once, (pthread_once_t * o, void (*f)()), (o, f))
TL_OLD(int, pthread_key_create, (pthread_key_t * k, void (*d)(void*)), (k, d))
TL_OLD(int, __pthread_key_create, (pthread_key_t * k, void (*d)(void*)), (k, d))
TL_OLD(int, pthread_key_delete, (pthread_key_t k), (k))
TL_OLD(void*, pthread_getspecific, (pthread_key_t k), (k))
TL_OLD(int, pthread_setspecific, (pthread_key_t k, const void* v), (k, v))
TL_OLD(int, pthread_rwlock_rdlock, (pthread_rwlock_t * l), (l))
TL_OLD(int, pthread_rwlock_wrlock, (pthread_rwlock_t * l), (l))
TL_OLD(int, pthread_rwlock_unlock, (pthread_rwlock_t * l), (l))
TL_OLD(int, pthread_sigmask, (int how, const sigset_t* set, sigset_t* old), (how, set, old))
TL_OLD(double, exp, (double x), (x))
TL_OLD(double, log, (double x), (x))

extern "C" int tl_old_fxstat(int ver, int fd, struct stat* buf);
__asm__(".symver tl_old_fxstat,__fxstat@" TL_GLIBC_BASE);
extern "C" __attribute__((visibility("hidden"))) int __wrap_fstat(int fd, struct stat* buf) {
  return tl_old_fxstat(TL_STAT_VER, fd, buf);
}

extern "C" __attribute__((visibility("hidden"))) uint32_t __wrap_arc4random() {
  uint32_t value = 0;
  auto* out = reinterpret_cast<unsigned char*>(&value);
  std::size_t got = 0;
  while (got < sizeof value) {
    const ssize_t n = getrandom(out + got, sizeof value - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
    // getrandom without flags fails only when interrupted; there is no other source to try.
    else if (errno != EINTR) break;
  }
  return value;
}

namespace {
struct FindObject {
  uintptr_t pc;
  dl_find_object* out;
  bool found;
};

int find_object(dl_phdr_info* info, size_t, void* data) {
  auto* query = static_cast<FindObject*>(data);
  const ElfW(Phdr)* eh_frame = nullptr;
  bool contains = false;
  uintptr_t start = UINTPTR_MAX;
  uintptr_t end = 0;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_GNU_EH_FRAME) eh_frame = &ph;
    if (ph.p_type != PT_LOAD) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    const uintptr_t hi = lo + ph.p_memsz;
    if (lo < start) start = lo;
    if (hi > end) end = hi;
    if (query->pc >= lo && query->pc < hi) contains = true;
  }
  if (!contains) return 0;
  query->found = true;
  query->out->dlfo_flags = 0;
  query->out->dlfo_map_start = reinterpret_cast<void*>(start);
  query->out->dlfo_map_end = reinterpret_cast<void*>(end);
  query->out->dlfo_link_map = nullptr;  // libgcc's unwinder does not read it
  query->out->dlfo_eh_frame = eh_frame ? reinterpret_cast<void*>(info->dlpi_addr + eh_frame->p_vaddr) : nullptr;
  return 1;
}
}  // namespace

extern "C" __attribute__((visibility("hidden"))) int __wrap__dl_find_object(void* pc, dl_find_object* out) {
  FindObject query{reinterpret_cast<uintptr_t>(pc), out, false};
  dl_iterate_phdr(find_object, &query);
  return query.found ? 0 : -1;
}

extern "C" {
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;
}
