// The timer of the native floors benches (item_floors.cc, text_floors.cc).
#pragma once

#include <chrono>
#include <cstddef>

namespace tl_bench {

// Runs `one(i)` over items 0..n-1 round and round for about `seconds`, in rounds of all n;
// returns the fastest round's us per item. The machine is shared: the fastest round is the
// one least disturbed by other processes, the closest to what the stage itself costs.
template <typename F>
inline double per_item_us(size_t n, double seconds, F&& one) {
  for (size_t i = 0; i < n; ++i) one(i);  // warm-up
  double best = 1e300;
  const auto start = std::chrono::steady_clock::now();
  do {
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) one(i);
    const double round = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (round < best) best = round;
  } while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds);
  return best * 1e6 / static_cast<double>(n);
}

}  // namespace tl_bench
