// Reading a memory-mapped file that another process truncates: touching a page past the file's
// new end raises SIGBUS, which kills the process. These run such reads so that the SIGBUS comes
// back as `false` instead.
//
// How: one process-wide SIGBUS handler (installed on first use, SA_SIGINFO | SA_ONSTACK) and a
// per-thread "armed" jump buffer. A SIGBUS on a thread that is inside a guard jumps back out of
// the guard; any other SIGBUS goes to whatever handled SIGBUS before (node's, a sanitizer's, or
// the default action, which kills), exactly as if this handler were not there.
//
// The rules for what runs inside a guard, because a fault leaves it with a jump that unwinds
// nothing:
//  - no object with a destructor may be alive in it (no std::string, vector, lock, RAII handle):
//    plain copies and loops over the mapping only. Build messages outside, after it returns.
//  - no allocation, no lock, no library call that keeps state (zlib, libvips, the text
//    parser's error path): copy the bytes out under the guard and hand those to such code.
// Nested guards on one thread are plain calls: a fault inside jumps out of the outermost one.
// Another handler installed for SIGBUS after ours (nothing in node does) would disable the guard.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

namespace tl {

// Runs fn(ctx) so that a SIGBUS raised by touching a mapped page inside it returns false instead
// of killing the process. Thread-safe (per-thread jump buffer), reentrant-safe (nested = plain call).
// fn must not own resources with destructors (plain copies/loops only): the jump skips them.
bool run_sigbus_guarded(void (*fn)(void*), void* ctx);

// The same for a callable (typically a lambda capturing by reference); true when it ran to the end.
template <typename F>
bool sigbus_guarded(F&& f) {
  using Fn = std::remove_reference_t<F>;
  return run_sigbus_guarded([](void* ctx) { (*static_cast<Fn*>(ctx))(); },
                            const_cast<void*>(static_cast<const void*>(std::addressof(f))));
}

// Convenience: memcpy that returns false on SIGBUS (then `dst` holds an unknown prefix of `src`).
bool guarded_memcpy(void* dst, const void* src, size_t n);

}  // namespace tl
