// Every SIMD kernel against the scalar one on random data: all filters, 1-4 bytes per pixel,
// odd widths, and rows chained as in an image (each output row is the next row's `prev`).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/resample.h"
#include "core/simd/convert.h"
#include "core/simd/resample_kernels.h"
#include "core/simd/unfilter.h"
#include "harness.h"

namespace {

std::vector<tl::SimdLevel> levels_above_scalar() {
  std::vector<tl::SimdLevel> out;
  for (tl::SimdLevel l : {tl::SimdLevel::kSse41, tl::SimdLevel::kAvx2}) {
    if (l <= tl::cpu_simd_level()) out.push_back(l);
  }
  return out;
}

}  // namespace

TEST_CASE(simd_unfilter_matches_scalar) {
  std::mt19937 rng(1234);
  for (tl::SimdLevel level : levels_above_scalar()) {
    const tl::UnfilterRowFn fast = tl::unfilter_row_kernel(level);
    for (size_t bpp = 1; bpp <= 4; ++bpp) {
      for (size_t width : {1, 2, 3, 5, 7, 15, 16, 17, 31, 33, 100, 257}) {
        const size_t stride = width * bpp;
        const size_t rows = 6;
        for (uint8_t filter = 0; filter <= 4; ++filter) {
          std::vector<uint8_t> in(stride * rows);
          for (auto& b : in) b = static_cast<uint8_t>(rng());
          std::vector<uint8_t> a(stride * rows), b(stride * rows);
          for (size_t y = 0; y < rows; ++y) {
            // Mixed filters down the image, the tested one on every other row.
            const uint8_t f = y % 2 ? filter : static_cast<uint8_t>((filter + y) % 5);
            const uint8_t* pa = y ? &a[(y - 1) * stride] : nullptr;
            const uint8_t* pb = y ? &b[(y - 1) * stride] : nullptr;
            CHECK(tl::unfilter_row_scalar(f, &in[y * stride], pa, &a[y * stride], stride, bpp));
            CHECK(fast(f, &in[y * stride], pb, &b[y * stride], stride, bpp));
          }
          if (a != b) {
            CHECK_EQ(std::string(tl::simd_level_name(level)) + " bpp " + std::to_string(bpp) + " width " +
                         std::to_string(width) + " filter " + std::to_string(filter),
                     std::string("equal to scalar"));
          }
        }
      }
    }
    uint8_t row[4] = {};
    const uint8_t in[4] = {1, 2, 3, 4};
    CHECK(!fast(5, in, in, row, 4, 1));
  }
}

TEST_CASE(simd_level_honours_environment) {
  // TENSORLOADER_SIMD=off is how CI runs the scalar kernels; the ctest entry
  // core_tests_simd_off sets it, and then nothing above scalar may be picked.
  const char* v = std::getenv("TENSORLOADER_SIMD");
  if (v != nullptr && std::string(v) == "off") CHECK(tl::simd_level() == tl::SimdLevel::kScalar);
  else CHECK(tl::simd_level() == tl::cpu_simd_level());
}

// Both resampling passes against the scalar ones, with real coefficients (every filter,
// shrinking and enlarging, odd sizes), so the windows reach both ends of the rows.
TEST_CASE(simd_resample_passes_match_scalar) {
  std::mt19937 rng(99);
  const tl::Filter filters[] = {tl::Filter::kBox, tl::Filter::kBilinear, tl::Filter::kHamming, tl::Filter::kBicubic,
                                tl::Filter::kLanczos};
  const int sizes[][2] = {{100, 64}, {64, 100}, {7, 3}, {3, 7}, {1, 5}, {33, 33}, {500, 224}, {17, 16}};
  for (tl::SimdLevel level : levels_above_scalar()) {
    for (int ch : {3, 4}) {
      const tl::HorizontalRowFn h = tl::horizontal_row_kernel(level, ch);
      CHECK(h != nullptr);
      if (h == nullptr) continue;
      for (tl::Filter f : filters) {
        for (const auto& s : sizes) {
          tl::Coefficients c;
          c.compute(s[0], 0, s[0], s[1], f);
          std::vector<uint8_t> in(static_cast<size_t>(s[0] * ch));
          for (auto& b : in) b = static_cast<uint8_t>(rng());
          std::vector<uint8_t> a(static_cast<size_t>(s[1] * ch)), b(a.size());
          if (ch == 3) tl::resample_detail::horizontal_row<3>(in.data(), a.data(), c, 0, s[1]);
          else tl::resample_detail::horizontal_row<4>(in.data(), a.data(), c, 0, s[1]);
          h(in.data(), s[0], b.data(), c.bounds.data(), c.k.data(), c.ksize, 0, s[1]);
          CHECK(a == b);
          if (const tl::HorizontalRows2Fn h2 = tl::horizontal_rows2_kernel(level, ch)) {
            // Two rows: this one and its reverse, each against the scalar result.
            std::vector<uint8_t> in1(in.rbegin(), in.rend());
            std::vector<uint8_t> a1(a.size()), b0(a.size()), b1(a.size());
            if (ch == 3) tl::resample_detail::horizontal_row<3>(in1.data(), a1.data(), c, 0, s[1]);
            else tl::resample_detail::horizontal_row<4>(in1.data(), a1.data(), c, 0, s[1]);
            h2(in.data(), in1.data(), s[0], b0.data(), b1.data(), c.bounds.data(), c.k.data(), c.ksize, 0, s[1]);
            CHECK(a == b0);
            CHECK(a1 == b1);
          }
          if (const tl::HorizontalRowPairsFn hp = tl::horizontal_row_pairs_kernel(level, ch)) {
            std::vector<uint8_t> bp(a.size());
            hp(in.data(), s[0], bp.data(), c.bounds.data(), c.pairs.data(), c.npairs, 0, s[1]);
            CHECK(a == bp);
          }
          if (const tl::HorizontalRows2PairsFn hp2 = tl::horizontal_rows2_pairs_kernel(level, ch)) {
            std::vector<uint8_t> in1(in.rbegin(), in.rend());
            std::vector<uint8_t> a1(a.size()), b0(a.size()), b1(a.size());
            if (ch == 3) tl::resample_detail::horizontal_row<3>(in1.data(), a1.data(), c, 0, s[1]);
            else tl::resample_detail::horizontal_row<4>(in1.data(), a1.data(), c, 0, s[1]);
            hp2(in.data(), in1.data(), s[0], b0.data(), b1.data(), c.bounds.data(), c.pairs.data(), c.npairs, 0, s[1]);
            CHECK(a == b0);
            CHECK(a1 == b1);
          }
        }
      }
    }
    const tl::VerticalRowFn v = tl::vertical_row_kernel(level);
    CHECK(v != nullptr);
    if (v == nullptr) continue;
    for (tl::Filter f : filters) {
      for (const auto& s : sizes) {
        for (size_t n : {1, 7, 8, 15, 16, 17, 31, 192, 301}) {
          tl::Coefficients c;
          c.compute(s[0], 0, s[0], s[1], f);
          std::vector<uint8_t> temp(static_cast<size_t>(s[0]) * n);
          for (auto& b : temp) b = static_cast<uint8_t>(rng());
          std::vector<uint8_t> a(n), b(n);
          std::vector<int32_t> acc(n);
          for (int yy = 0; yy < s[1]; ++yy) {
            const size_t o = static_cast<size_t>(yy);
            const int32_t* k = &c.k[o * static_cast<size_t>(c.ksize)];
            tl::resample_detail::vertical_row_scalar(temp.data(), n, c.bounds[o * 2], c.bounds[o * 2 + 1], k, a.data(), n,
                                                     acc.data());
            v(temp.data(), n, c.bounds[o * 2], c.bounds[o * 2 + 1], k, b.data(), n);
            CHECK(a == b);
          }
        }
      }
    }
  }
}

// Coefficients::compute keeps the last window's weights: switching windows back and forth
// must give exactly what a fresh object computes, weights and split pairs alike.
TEST_CASE(resample_coefficients_reused_only_for_the_same_window) {
  const double windows[][3] = {{100, 0, 100}, {100, 0.5, 99.25}, {64, 0, 64}, {100, 0, 100}, {100, 0, 100}};
  tl::Coefficients reused;
  for (tl::Filter f : {tl::Filter::kBicubic, tl::Filter::kLanczos, tl::Filter::kNearest, tl::Filter::kBicubic}) {
    for (const auto& w : windows) {
      for (int out : {64, 31, 64}) {
        const int in = static_cast<int>(w[0]);
        reused.compute(in, w[1], w[2], out, f);
        tl::Coefficients fresh;
        fresh.compute(in, w[1], w[2], out, f);
        CHECK(reused.ksize == fresh.ksize);
        CHECK(reused.bounds == fresh.bounds);
        CHECK(reused.k == fresh.k);
        CHECK(reused.npairs == fresh.npairs);
        CHECK(reused.pairs == fresh.pairs);
      }
    }
  }
}

// The float32 CHW convert kernels against PixelWriter's tables (the scalar path): random
// scale, mean and std, widths around the 16-pixel step, every byte value.
TEST_CASE(simd_convert_matches_tables) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> mean_d(-2.0f, 2.0f), std_d(0.01f, 3.0f);
  for (tl::SimdLevel level : levels_above_scalar()) {
    const tl::ConvertRowChw3Fn fn = tl::convert_row_chw3_kernel(level);
    CHECK(fn != nullptr);
    if (fn == nullptr) continue;
    for (int trial = 0; trial < 20; ++trial) {
      const float scale = trial == 0 ? 1.0f / 255.0f : std_d(rng);
      const float mean[3] = {mean_d(rng), mean_d(rng), mean_d(rng)};
      const float sd[3] = {std_d(rng), std_d(rng), std_d(rng)};
      for (size_t width : {1, 15, 16, 17, 64, 100, 257}) {
        std::vector<uint8_t> src(width * 3);
        for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(trial == 1 ? i : rng());
        std::vector<float> got(width * 3, -7.0f);
        fn(src.data(), width, got.data(), got.data() + width, got.data() + 2 * width, scale, mean, sd);
        bool same = true;
        for (size_t c = 0; c < 3; ++c) {
          for (size_t x = 0; x < width; ++x) {
            // Exactly PixelWriter's table entry.
            const float want = (static_cast<float>(src[x * 3 + c]) * scale - mean[c]) / sd[c];
            if (std::memcmp(&want, &got[c * width + x], sizeof(float)) != 0) same = false;
          }
        }
        if (!same) CHECK_EQ(std::string(tl::simd_level_name(level)) + " width " + std::to_string(width), std::string("equal"));
      }
    }
  }
}
