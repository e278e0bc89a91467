// Randomness for one item, fixed by (seed, epoch, index): the same item in the same epoch gets
// the same crop and flip on every run, machine and thread count. splitmix64 over a mix of the
// three, which is enough for augmentation (not for cryptography).
#pragma once

#include <cmath>
#include <cstdint>

namespace tl {

class ItemRng {
 public:
  ItemRng(uint32_t seed, uint32_t epoch, uint32_t index)
      : state_((static_cast<uint64_t>(seed) << 32 | epoch) ^ (static_cast<uint64_t>(index) * 0xd1b54a32d192ed03ULL)) {
    next();
  }
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n >= 1.
  int64_t below(int64_t n) { return static_cast<int64_t>(uniform() * static_cast<double>(n)); }

 private:
  uint64_t state_;
};

struct CropBox {
  int64_t left, top, width, height;
};

// torchvision's RandomResizedCrop.get_params: up to 10 tries for a box of `scale` x area and
// aspect ratio in `ratio` (log-uniform), else the largest centred box within the ratio range.
inline CropBox random_resized_crop(ItemRng& rng, int64_t w, int64_t h, const double scale[2], const double ratio[2]) {
  const double area = static_cast<double>(w) * static_cast<double>(h);
  const double log_lo = std::log(ratio[0]);
  const double log_hi = std::log(ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(scale[0], scale[1]);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const auto cw = static_cast<int64_t>(std::lround(std::sqrt(target * aspect)));
    const auto ch = static_cast<int64_t>(std::lround(std::sqrt(target / aspect)));
    if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
      const int64_t top = rng.below(h - ch + 1);
      const int64_t left = rng.below(w - cw + 1);
      return {left, top, cw, ch};
    }
  }
  const double in_ratio = static_cast<double>(w) / static_cast<double>(h);
  int64_t cw = w;
  int64_t ch = h;
  if (in_ratio < ratio[0]) {
    ch = std::lround(static_cast<double>(w) / ratio[0]);
  } else if (in_ratio > ratio[1]) {
    cw = std::lround(static_cast<double>(h) * ratio[1]);
  }
  if (cw < 1) cw = 1;
  if (ch < 1) ch = 1;
  return {(w - cw) / 2, (h - ch) / 2, cw, ch};
}

}  // namespace tl
