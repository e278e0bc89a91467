#include "core/sigbus_guard.h"

#include <setjmp.h>
#include <signal.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace tl {
namespace {

// The disposition SIGBUS had before ours; written once, before our handler goes in.
struct sigaction g_previous;
std::once_flag g_install_once;

// The jump buffer of the guard this thread is inside, or null. Only the owning thread and its
// signal handler touch it. (A thread that never entered a guard may have its TLS block
// allocated lazily by the handler's first access; such a SIGBUS is about to be passed on to
// the previous disposition anyway.)
thread_local sigjmp_buf* t_armed = nullptr;

// Passes a SIGBUS that is not ours on as if our handler had never been installed.
void pass_on(int sig, siginfo_t* info, void* context) {
  const struct sigaction& prev = g_previous;
  if ((prev.sa_flags & SA_SIGINFO) != 0) {
    if (prev.sa_sigaction != nullptr) prev.sa_sigaction(sig, info, context);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  // The default action (terminate with a core) or "ignore". A fault raised by the kernel happens
  // again when the faulting instruction re-runs on return: with the old disposition back, the
  // kernel applies it itself (for a fault, "ignore" also ends in termination).
  if (info != nullptr && info->si_code > 0) {
    ::sigaction(sig, &prev, nullptr);
    return;
  }
  // Sent with kill() or raise(): the default action terminates, so it is put back and the
  // signal raised again (it is delivered when this handler returns); an ignored one is dropped.
  if (prev.sa_handler == SIG_DFL) {
    ::sigaction(sig, &prev, nullptr);
    ::raise(sig);
  }
}

void on_sigbus(int sig, siginfo_t* info, void* context) {
  sigjmp_buf* armed = t_armed;
  // Only a fault raised by the kernel on this thread (si_code > 0) is one of our reads; a
  // SIGBUS sent by kill() while a guard happens to be armed is passed on.
  if (armed != nullptr && info != nullptr && info->si_code > 0) siglongjmp(*armed, 1);
  pass_on(sig, info, context);
}

void install() {
  struct sigaction previous {};
  if (::sigaction(SIGBUS, nullptr, &previous) != 0) return;
  g_previous = previous;
  struct sigaction ours {};
  ours.sa_sigaction = on_sigbus;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&ours.sa_mask);
  ::sigaction(SIGBUS, &ours, nullptr);
}

// The handler runs with SIGBUS blocked, and the jump (sigsetjmp without the mask, which would
// cost a syscall per guard) leaves it so. A second fault on this thread while blocked would
// kill the process, so a caught fault unblocks it.
void unblock_sigbus() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGBUS);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace

bool run_sigbus_guarded(void (*fn)(void*), void* ctx) {
  if (t_armed != nullptr) {
    fn(ctx);  // nested: a fault jumps out of the outer guard
    return true;
  }
  std::call_once(g_install_once, install);
  sigjmp_buf env;
  if (sigsetjmp(env, 0) != 0) {
    t_armed = nullptr;
    unblock_sigbus();
    return false;
  }
  t_armed = &env;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  fn(ctx);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_armed = nullptr;
  return true;
}

bool guarded_memcpy(void* dst, const void* src, size_t n) {
  struct Copy {
    void* dst;
    const void* src;
    size_t n;
  } copy{dst, src, n};
  return run_sigbus_guarded(
      [](void* c) {
        const auto* p = static_cast<const Copy*>(c);
        std::memcpy(p->dst, p->src, p->n);
      },
      &copy);
}

}  // namespace tl
