#include "core/uring_reader.h"

#include <fcntl.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>
#include <thread>

#include "core/counters.h"
#include "core/unique_fd.h"

// Newer than the uapi headers this may be built against; the values are kernel ABI, and they
// are only used after the kernel has announced IORING_FEAT_REG_REG_RING (6.3).
#ifndef IORING_FEAT_REG_REG_RING
#define IORING_FEAT_REG_REG_RING (1U << 13)
#endif
constexpr unsigned kRegisterUseRegisteredRing = 1U << 31;  // IORING_REGISTER_USE_REGISTERED_RING

namespace tl {
namespace {

// Three requests per file: openat into direct slot i, read from it, close it.
constexpr unsigned kOpsPerFile = 3;
constexpr unsigned kRingEntries = 64;
static_assert(UringReader::kMaxFiles * kOpsPerFile <= kRingEntries, "a batch must fit in the submission queue");
constexpr int32_t kNoResult = INT32_MIN;
constexpr unsigned kRefusedBatchesBeforeOff = 8;

// SINGLE_ISSUER + DEFER_TASKRUN: one thread submits and always waits, so completions can be
// run right there instead of by task-work interrupts. SUBMIT_ALL: a request refused at
// submission becomes a completion instead of stopping the submission in the middle.
constexpr unsigned kSetupFlags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
// LINKED_FILE: the read finds the direct descriptor its linked openat just installed (the
// file is looked up at issue time, not at submission). REG_REG_RING: the ring can be entered
// and unregistered with its descriptor closed.
constexpr unsigned kRequiredFeatures =
    IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_LINKED_FILE | IORING_FEAT_REG_REG_RING;

long sys_setup(unsigned entries, io_uring_params* p) { return ::syscall(__NR_io_uring_setup, entries, p); }
long sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
  return ::syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, nullptr, size_t{0});
}
long sys_register(int fd, unsigned opcode, void* arg, unsigned nr) {
  return ::syscall(__NR_io_uring_register, fd, opcode, arg, nr);
}

unsigned load_acquire(const unsigned* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void store_release(unsigned* p, unsigned v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

bool ops_supported(int ring_fd) {
  constexpr unsigned kOps = 256;
  // io_uring_probe ends in a flexible array; give it room for every opcode.
  alignas(io_uring_probe) unsigned char storage[sizeof(io_uring_probe) + kOps * sizeof(io_uring_probe_op)] = {};
  auto* probe = reinterpret_cast<io_uring_probe*>(storage);
  if (sys_register(ring_fd, IORING_REGISTER_PROBE, probe, kOps) < 0) return false;
  for (unsigned op : {unsigned{IORING_OP_OPENAT}, unsigned{IORING_OP_READ}, unsigned{IORING_OP_CLOSE}}) {
    if (op > probe->last_op || (probe->ops[op].flags & IO_URING_OP_SUPPORTED) == 0) return false;
  }
  return true;
}

}  // namespace

bool io_uring_allowed_by_env() {
  static const bool allowed = [] {
    const char* v = std::getenv("TENSORLOADER_NO_IO_URING");
    return v == nullptr || v[0] == '\0' || std::strcmp(v, "0") == 0;
  }();
  return allowed;
}

struct UringReader::Ring {
  int index = -1;  // the ring's slot in this thread's registered-ring table
  std::thread::id owner;
  void* rings = MAP_FAILED;  // SQ and CQ rings share one mapping (IORING_FEAT_SINGLE_MMAP)
  size_t rings_bytes = 0;
  void* sqes_map = MAP_FAILED;
  size_t sqes_bytes = 0;
  io_uring_sqe* sqes = nullptr;
  unsigned* sq_tail = nullptr;
  unsigned sq_mask = 0;
  unsigned* cq_head = nullptr;
  const unsigned* cq_tail = nullptr;
  unsigned cq_mask = 0;
  const io_uring_cqe* cqes = nullptr;
  size_t inflight = 0;  // submitted requests whose completion has not been reaped

  ~Ring() {
    if (sqes_map != MAP_FAILED) ::munmap(sqes_map, sqes_bytes);
    if (rings != MAP_FAILED) ::munmap(rings, rings_bytes);
  }
};

UringReader::UringReader() = default;
UringReader::~UringReader() { destroy(); }

bool UringReader::usable() {
  if (state_ == State::kUntried) state_ = create() ? State::kReady : State::kOff;
  return state_ == State::kReady && ring_->owner == std::this_thread::get_id();
}

bool UringReader::create() {
  if (!io_uring_allowed_by_env()) return false;
  io_uring_params params{};
  params.flags = kSetupFlags;
  // The ring descriptor is counted while it exists (a few microseconds, until it is
  // registered and closed below), like every descriptor tensorloader holds.
  UniqueFd fd(static_cast<int>(sys_setup(kRingEntries, &params)));
  if (!fd.valid()) return false;  // ENOSYS, EPERM (seccomp, kernel.io_uring_disabled), EINVAL (< 6.1)
  if ((params.features & kRequiredFeatures) != kRequiredFeatures) return false;

  auto ring = std::make_unique<Ring>();
  ring->rings_bytes = std::max(params.sq_off.array + params.sq_entries * sizeof(unsigned),
                               params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe));
  ring->rings = ::mmap(nullptr, ring->rings_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd.get(),
                       static_cast<off_t>(IORING_OFF_SQ_RING));
  if (ring->rings == MAP_FAILED) return false;
  ring->sqes_bytes = params.sq_entries * sizeof(io_uring_sqe);
  ring->sqes_map = ::mmap(nullptr, ring->sqes_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd.get(),
                          static_cast<off_t>(IORING_OFF_SQES));
  if (ring->sqes_map == MAP_FAILED) return false;

  auto* base = static_cast<char*>(ring->rings);
  ring->sqes = static_cast<io_uring_sqe*>(ring->sqes_map);
  ring->sq_tail = reinterpret_cast<unsigned*>(base + params.sq_off.tail);
  ring->sq_mask = *reinterpret_cast<const unsigned*>(base + params.sq_off.ring_mask);
  ring->cq_head = reinterpret_cast<unsigned*>(base + params.cq_off.head);
  ring->cq_tail = reinterpret_cast<const unsigned*>(base + params.cq_off.tail);
  ring->cq_mask = *reinterpret_cast<const unsigned*>(base + params.cq_off.ring_mask);
  ring->cqes = reinterpret_cast<const io_uring_cqe*>(base + params.cq_off.cqes);
  // SQE i always sits in array slot i; the indirection array is then never touched again.
  auto* array = reinterpret_cast<unsigned*>(base + params.sq_off.array);
  for (unsigned i = 0; i < params.sq_entries; ++i) array[i] = i;

  if (!ops_supported(fd.get())) return false;
  // Allocated before the ring is registered, so no failure can come after that.
  std::unique_ptr<char[]> buffer(new (std::nothrow) char[kBufferBytes]);
  if (buffer == nullptr) return false;
  // Direct descriptors live in the ring's own table, never in the process's: nothing here can
  // leak a descriptor or show up in /proc/self/fd, and the table dies with the ring.
  int slots[kMaxFiles];
  std::fill(std::begin(slots), std::end(slots), -1);
  if (sys_register(fd.get(), IORING_REGISTER_FILES, slots, kMaxFiles) < 0) return false;
  io_uring_rsrc_update reg{};
  reg.offset = ~0U;  // any free slot of this thread's table
  reg.data = static_cast<__u64>(fd.get());
  if (sys_register(fd.get(), IORING_REGISTER_RING_FDS, &reg, 1) != 1) return false;
  ring->index = static_cast<int>(reg.offset);
  ring->owner = std::this_thread::get_id();
  // The registration and the mappings keep the ring alive; without its descriptor a pool
  // thread's ring is invisible to the descriptor counts that tests and users compare.
  fd.reset();

  buffer_ = std::move(buffer);
  ring_ = std::move(ring);
  counters().io_rings.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void UringReader::destroy() {
  if (ring_ == nullptr) return;
  if (ring_->owner == std::this_thread::get_id()) {
    io_uring_rsrc_update reg{};
    reg.offset = static_cast<__u32>(ring_->index);
    sys_register(ring_->index, IORING_UNREGISTER_RING_FDS | kRegisterUseRegisteredRing, &reg, 1);
  }
  // Otherwise the registration can only be dropped by its own thread, which does so when it
  // exits. Requests still in flight (only after a failed io_uring_enter) may write into the
  // buffer until the kernel cancels them: it is left allocated rather than freed under them.
  if (ring_->inflight > 0) (void)buffer_.release();
  ring_.reset();
  buffer_.reset();
  counters().io_rings.fetch_sub(1, std::memory_order_relaxed);
}

// Queues open + read + close for every path; returns how many entries were queued.
unsigned UringReader::queue_reads(const char* const* paths, const int* dirs, size_t n, size_t capacity) {
  Ring& r = *ring_;
  // Only this thread writes the SQ tail.
  unsigned tail = *r.sq_tail;
  unsigned queued = 0;
  auto next_sqe = [&](uint64_t user_data) {
    io_uring_sqe* sqe = &r.sqes[tail & r.sq_mask];
    std::memset(sqe, 0, sizeof *sqe);
    sqe->user_data = user_data;
    ++tail;
    ++queued;
    return sqe;
  };
  for (size_t i = 0; i < n; ++i) {
    if (paths[i] == nullptr) continue;
    const auto slot = static_cast<unsigned>(i);
    // Hard links: the close must run whatever the read returned (a short read, which is how
    // every small file ends, counts as a failure that would cancel a plain IOSQE_IO_LINK).
    io_uring_sqe* open = next_sqe(i * kOpsPerFile + 0);
    open->opcode = IORING_OP_OPENAT;
    open->flags = IOSQE_IO_HARDLINK;
    open->fd = dirs != nullptr ? dirs[i] : AT_FDCWD;
    open->addr = reinterpret_cast<uintptr_t>(paths[i]);
    // O_NONBLOCK as in read_whole_file: a fifo must not block the open. No O_CLOEXEC: the
    // kernel refuses it for direct descriptors, which exec cannot inherit anyway.
    open->open_flags = O_RDONLY | O_NONBLOCK;
    open->file_index = slot + 1;

    io_uring_sqe* rd = next_sqe(i * kOpsPerFile + 1);
    rd->opcode = IORING_OP_READ;
    rd->flags = IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
    rd->fd = static_cast<int>(slot);
    rd->addr = reinterpret_cast<uintptr_t>(buffer_.get() + i * capacity);
    rd->len = static_cast<unsigned>(capacity);
    rd->off = 0;
    // RWF_NOWAIT: a fifo or terminal with a writer would otherwise be polled until data comes
    // (io_uring retries pollable files), and a file not in the page cache would be handed to
    // an io-wq thread. Both return -EAGAIN instead and go the plain path, which reads cold
    // files as before and refuses non-regular ones as before.
    rd->rw_flags = static_cast<__u32>(RWF_NOWAIT);

    io_uring_sqe* close = next_sqe(i * kOpsPerFile + 2);
    close->opcode = IORING_OP_CLOSE;
    close->file_index = slot + 1;
  }
  if (queued > 0) store_release(r.sq_tail, tail);
  return queued;
}

// Submits `queued` entries and reaps every completion into res[file * kOpsPerFile + op];
// false when io_uring_enter failed (the ring is then unusable).
bool UringReader::complete(unsigned queued, size_t n, int32_t* res) {
  Ring& r = *ring_;
  unsigned to_submit = queued;
  while (true) {
    unsigned head = *r.cq_head;
    const unsigned cq_tail = load_acquire(r.cq_tail);
    for (; head != cq_tail; ++head) {
      const io_uring_cqe& cqe = r.cqes[head & r.cq_mask];
      if (cqe.user_data / kOpsPerFile < n) res[cqe.user_data] = cqe.res;
      if (r.inflight > 0) --r.inflight;
    }
    store_release(r.cq_head, head);
    if (to_submit == 0 && r.inflight == 0) return true;
    // Waits for every outstanding completion; after a partial submission the kernel returns
    // without waiting, and the rest is submitted by the next round.
    const long ret = sys_enter(r.index, to_submit, to_submit + static_cast<unsigned>(r.inflight),
                               IORING_ENTER_GETEVENTS | IORING_ENTER_REGISTERED_RING);
    if (ret < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    const auto submitted = static_cast<unsigned>(ret);
    to_submit -= submitted;
    r.inflight += submitted;
    if (submitted == 0 && to_submit > 0 && r.inflight == 0) return false;
  }
}

void UringReader::read(const char* const* paths, size_t n, size_t capacity, UringRead* out, const int* dirs) {
  for (size_t i = 0; i < n; ++i) out[i] = UringRead{};
  if (!usable() || n == 0 || n > kMaxFiles || capacity == 0 || capacity > kBufferBytes / n) return;
  int32_t res[kMaxFiles * kOpsPerFile];
  std::fill(std::begin(res), std::end(res), kNoResult);
  const unsigned queued = queue_reads(paths, dirs, n, capacity);
  if (queued == 0) return;
  const bool broken = !complete(queued, n, res);

  bool keep_ring = !broken;
  bool any_read = false, refused = false;
  for (size_t i = 0; i < n; ++i) {
    if (paths[i] == nullptr || broken) continue;
    const int32_t opened = res[i * kOpsPerFile], got = res[i * kOpsPerFile + 1];
    if (opened > 0) {
      // A kernel that ignored file_index returned a plain descriptor: close it, stop using
      // the ring (the feature checks above should make this unreachable).
      UniqueFd stray(opened);
      keep_ring = false;
      continue;
    }
    if (opened == -EINVAL || got == -EOPNOTSUPP || got == -EINVAL) refused = true;
    if (opened == 0 && got > 0 && static_cast<size_t>(got) < capacity) {
      out[i].data = buffer_.get() + i * capacity;
      out[i].size = static_cast<size_t>(got);
      any_read = true;
    }
  }
  // EINVAL or EOPNOTSUPP where nothing could be read: the kernel or the filesystem cannot do
  // what is asked (e.g. no RWF_NOWAIT), and every later batch would only add work to the plain
  // path. A directory in the dataset also gets EOPNOTSUPP (no RWF_NOWAIT reads there), so a
  // few such batches in a row, not one, turn the ring off.
  refused_batches_ = any_read || !refused ? 0 : refused_batches_ + 1;
  if (refused_batches_ >= kRefusedBatchesBeforeOff) keep_ring = false;
  if (!keep_ring) state_ = State::kOff;
}

}  // namespace tl
