// Process-wide gauges of native resources, so tests and the audit can prove that nothing
// accumulates: every increment has a matching decrement in an RAII destructor.
#pragma once

#include <atomic>
#include <cstdint>

namespace tl {

struct Counters {
  std::atomic<int64_t> open_descriptors{0};  // descriptors held by tensorloader right now
  std::atomic<int64_t> live_mappings{0};     // mmap regions not yet unmapped
  std::atomic<int64_t> mapped_bytes{0};
  std::atomic<int64_t> arena_bytes{0};       // bytes reserved by all live arenas
  std::atomic<int64_t> arenas_live{0};
  std::atomic<int64_t> slots_leased{0};      // over all arenas
  std::atomic<int64_t> pool_threads{0};      // native worker threads running
  std::atomic<int64_t> io_rings{0};          // io_uring instances (one per pool thread at most)
  std::atomic<int64_t> items_read{0};        // monotonically increasing: a throughput counter
};

Counters& counters();

}  // namespace tl
