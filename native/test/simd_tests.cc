// Every SIMD kernel against the scalar one on random data: all filters, 1-4 bytes per pixel,
// odd widths, and rows chained as in an image (each output row is the next row's `prev`).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/half.h"
#include "core/image_options.h"
#include "core/pixel_writer.h"
#include "core/resample.h"
#include "core/simd/convert.h"
#include "core/simd/resample_kernels.h"
#include "core/simd/unfilter.h"
#include "harness.h"

namespace {

// The SIMD levels this CPU runs: the x86 ones up to the CPU's; NEON on aarch64 (baseline there,
// so this build always tests it). An empty list on other architectures.
std::vector<tl::SimdLevel> levels_above_scalar() {
  std::vector<tl::SimdLevel> out;
#if defined(__aarch64__)
  out.push_back(tl::SimdLevel::kNeon);
#else
  for (tl::SimdLevel l : {tl::SimdLevel::kSse41, tl::SimdLevel::kAvx2}) {
    if (l <= tl::cpu_simd_level()) out.push_back(l);
  }
#endif
  return out;
}

// Random bytes, or (`few`) bytes drawn from a handful of values with both extremes, so the
// Paeth distances tie often and the resampling sums overshoot 0..255 under negative lobes.
void fill(std::vector<uint8_t>& v, std::mt19937& rng, bool few) {
  static const uint8_t kFew[] = {0, 0, 1, 2, 127, 128, 254, 255, 255};
  for (auto& b : v) b = few ? kFew[rng() % sizeof kFew] : static_cast<uint8_t>(rng());
}

}  // namespace

TEST_CASE(simd_unfilter_matches_scalar) {
  std::mt19937 rng(1234);
  for (tl::SimdLevel level : levels_above_scalar()) {
    const tl::UnfilterRowFn fast = tl::unfilter_row_kernel(level);
    CHECK(fast != tl::unfilter_row_scalar);
    for (bool few : {false, true}) {
      for (size_t bpp = 1; bpp <= 4; ++bpp) {
        for (size_t width : {1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 33, 100, 257}) {
          const size_t stride = width * bpp;
          const size_t rows = 6;
          for (uint8_t filter = 0; filter <= 4; ++filter) {
            std::vector<uint8_t> in(stride * rows);
            fill(in, rng, few);
            std::vector<uint8_t> a(stride * rows), b(stride * rows);
            for (size_t y = 0; y < rows; ++y) {
              // Mixed filters down the image, the tested one on every other row (and on the
              // first, which has no row above).
              const uint8_t f = y % 2 == 0 && y > 0 ? static_cast<uint8_t>((filter + y) % 5) : filter;
              const uint8_t* pa = y ? &a[(y - 1) * stride] : nullptr;
              const uint8_t* pb = y ? &b[(y - 1) * stride] : nullptr;
              CHECK(tl::unfilter_row_scalar(f, &in[y * stride], pa, &a[y * stride], stride, bpp));
              CHECK(fast(f, &in[y * stride], pb, &b[y * stride], stride, bpp));
            }
            if (a != b) {
              CHECK_EQ(std::string(tl::simd_level_name(level)) + " bpp " + std::to_string(bpp) + " width " +
                           std::to_string(width) + " filter " + std::to_string(filter) + (few ? " few values" : ""),
                       std::string("equal to scalar"));
            }
          }
        }
      }
    }
    uint8_t row[4] = {};
    const uint8_t in[4] = {1, 2, 3, 4};
    CHECK(!fast(5, in, in, row, 4, 1));
    CHECK(!fast(255, in, in, row, 4, 4));
  }
}

TEST_CASE(simd_level_honours_environment) {
  // TENSORLOADER_SIMD=off is how CI runs the scalar kernels; the ctest entries
  // core_tests_simd_off and simd_tests_simd_off set it, and then nothing above scalar may be picked.
  const char* v = std::getenv("TENSORLOADER_SIMD");
  if (v != nullptr && std::string(v) == "off") CHECK(tl::simd_level() == tl::SimdLevel::kScalar);
  else if (v != nullptr && std::string(v) == "sse4.1" && tl::cpu_simd_level() == tl::SimdLevel::kAvx2)
    CHECK(tl::simd_level() == tl::SimdLevel::kSse41);
  else CHECK(tl::simd_level() == tl::cpu_simd_level());
#if defined(__aarch64__)
  // NEON is baseline on aarch64: every CPU of the architecture has it.
  CHECK(tl::cpu_simd_level() == tl::SimdLevel::kNeon);
  CHECK_EQ(std::string(tl::simd_level_name(tl::SimdLevel::kNeon)), std::string("neon"));
#endif
}

// Both resampling passes against the scalar ones, with real coefficients (every filter,
// shrinking and enlarging, odd sizes, fractional source windows as PIL's `box`, output column
// ranges as a centre crop asks for), so the windows reach both ends of the rows.
TEST_CASE(simd_resample_passes_match_scalar) {
  std::mt19937 rng(99);
  const tl::Filter filters[] = {tl::Filter::kBox, tl::Filter::kBilinear, tl::Filter::kHamming, tl::Filter::kBicubic,
                                tl::Filter::kLanczos};
  const int sizes[][2] = {{100, 64}, {64, 100}, {7, 3}, {3, 7}, {1, 5}, {5, 1}, {2, 2}, {33, 33}, {500, 224}, {17, 16}};
  // Source windows [in0, in1) as fractions of the source width.
  const double windows[][2] = {{0, 1}, {0.1, 0.93}, {0.5, 1}};
  for (tl::SimdLevel level : levels_above_scalar()) {
    for (int ch : {3, 4}) {
      const tl::HorizontalRowFn h = tl::horizontal_row_kernel(level, ch);
      CHECK(h != nullptr);
      if (h == nullptr) continue;
      for (bool few : {false, true}) {
        for (tl::Filter f : filters) {
          for (const auto& s : sizes) {
            for (const auto& w : windows) {
              tl::Coefficients c;
              c.compute(s[0], w[0] * s[0], w[1] * s[0], s[1], f);
              std::vector<uint8_t> in(static_cast<size_t>(s[0] * ch));
              fill(in, rng, few);
              // The whole row, then the middle columns alone.
              const int col0 = s[1] / 4;
              const int ranges[][2] = {{0, s[1]}, {col0, s[1] - 2 * col0}};
              for (const auto& r : ranges) {
                if (r[1] <= 0) continue;
                std::vector<uint8_t> a(static_cast<size_t>(r[1] * ch)), b(a.size());
                if (ch == 3) tl::resample_detail::horizontal_row<3>(in.data(), a.data(), c, r[0], r[1]);
                else tl::resample_detail::horizontal_row<4>(in.data(), a.data(), c, r[0], r[1]);
                h(in.data(), s[0], b.data(), c.bounds.data(), c.k.data(), c.ksize, r[0], r[1]);
                CHECK(a == b);
                if (const tl::HorizontalRows2Fn h2 = tl::horizontal_rows2_kernel(level, ch)) {
                  // Two rows: this one and its reverse, each against the scalar result.
                  std::vector<uint8_t> in1(in.rbegin(), in.rend());
                  std::vector<uint8_t> a1(a.size()), b0(a.size()), b1(a.size());
                  if (ch == 3) tl::resample_detail::horizontal_row<3>(in1.data(), a1.data(), c, r[0], r[1]);
                  else tl::resample_detail::horizontal_row<4>(in1.data(), a1.data(), c, r[0], r[1]);
                  h2(in.data(), in1.data(), s[0], b0.data(), b1.data(), c.bounds.data(), c.k.data(), c.ksize, r[0],
                     r[1]);
                  CHECK(a == b0);
                  CHECK(a1 == b1);
                }
                if (const tl::HorizontalRowPairsFn hp = tl::horizontal_row_pairs_kernel(level, ch)) {
                  std::vector<uint8_t> bp(a.size());
                  hp(in.data(), s[0], bp.data(), c.bounds.data(), c.pairs.data(), c.npairs, r[0], r[1]);
                  CHECK(a == bp);
                }
                if (const tl::HorizontalRows2PairsFn hp2 = tl::horizontal_rows2_pairs_kernel(level, ch)) {
                  std::vector<uint8_t> in1(in.rbegin(), in.rend());
                  std::vector<uint8_t> a1(a.size()), b0(a.size()), b1(a.size());
                  if (ch == 3) tl::resample_detail::horizontal_row<3>(in1.data(), a1.data(), c, r[0], r[1]);
                  else tl::resample_detail::horizontal_row<4>(in1.data(), a1.data(), c, r[0], r[1]);
                  hp2(in.data(), in1.data(), s[0], b0.data(), b1.data(), c.bounds.data(), c.pairs.data(), c.npairs,
                      r[0], r[1]);
                  CHECK(a == b0);
                  CHECK(a1 == b1);
                }
              }
            }
          }
        }
      }
    }
    const tl::VerticalRowFn v = tl::vertical_row_kernel(level);
    CHECK(v != nullptr);
    if (v == nullptr) continue;
    for (bool few : {false, true}) {
      for (tl::Filter f : filters) {
        for (const auto& s : sizes) {
          for (size_t n : {1, 7, 8, 15, 16, 17, 24, 31, 192, 301}) {
            tl::Coefficients c;
            c.compute(s[0], 0, s[0], s[1], f);
            std::vector<uint8_t> temp(static_cast<size_t>(s[0]) * n);
            fill(temp, rng, few);
            std::vector<uint8_t> a(n), b(n);
            std::vector<int32_t> acc(n);
            for (int yy = 0; yy < s[1]; ++yy) {
              const size_t o = static_cast<size_t>(yy);
              const int32_t* k = &c.k[o * static_cast<size_t>(c.ksize)];
              tl::resample_detail::vertical_row_scalar(temp.data(), n, c.bounds[o * 2], c.bounds[o * 2 + 1], k,
                                                       a.data(), n, acc.data());
              v(temp.data(), n, c.bounds[o * 2], c.bounds[o * 2 + 1], k, b.data(), n);
              CHECK(a == b);
            }
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

namespace {

// A table entry of PixelWriter, (float(v) * scale - mean) / std with every operation rounded to
// float on its own: the volatile product keeps the compiler from fusing the multiply into the
// subtract (aarch64 GCC would), whatever flags this file is compiled with.
float unfused(uint8_t v, float scale, float mean, float sd) {
  const volatile float product = static_cast<float>(v) * scale;
  return (product - mean) / sd;
}

// The first plane/pixel where `got` (three planes of `width`) differs from `want` in any bit,
// as "c<plane> x<pixel>", or "" where every value is the same.
std::string first_difference(const std::vector<float>& want, const std::vector<float>& got, size_t width) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::memcmp(&want[i], &got[i], sizeof(float)) != 0) {
      return "c" + std::to_string(i / width) + " x" + std::to_string(i % width) + ": " + show(want[i]) + " vs " +
             show(got[i]);
    }
  }
  return "";
}

}  // namespace

// The float32 CHW convert kernels against PixelWriter's tables (the scalar path) and the
// formula rounded step by step: every width through four 16-pixel steps with all tails (and
// wider rows), 1/255 with ImageNet's mean/std in both of their usual forms, random scale, mean
// and std, every byte value. PixelWriter's own choice is checked too: under
// TENSORLOADER_SIMD=off that is the tables, so the tables are held to the formula as well.
namespace {

struct ConvertParams {
  float scale;
  float mean[3];
  float std[3];
};

// The options of a PixelWriter for one CHW row of `width` RGB pixels.
tl::ImageOptions row_options(size_t width, tl::OutType dtype, const ConvertParams& pr) {
  tl::ImageOptions o;
  o.width = static_cast<int>(width);
  o.height = 1;
  o.channels = 3;
  o.dtype = dtype;
  o.layout = tl::Layout::kCHW;
  o.scale = pr.scale;
  for (int c = 0; c < 3; ++c) {
    o.mean[c] = pr.mean[c];
    o.std[c] = pr.std[c];
  }
  return o;
}

// The row's pixels in reverse: a flipped row always takes the tables, and flipping the mirrored
// row gives the original one.
std::vector<uint8_t> mirror_row(const std::vector<uint8_t>& src, size_t width) {
  std::vector<uint8_t> mirrored(src.size());
  for (size_t x = 0; x < width; ++x) std::memcpy(&mirrored[x * 3], &src[(width - 1 - x) * 3], 3);
  return mirrored;
}

}  // namespace

TEST_CASE(simd_convert_matches_tables) {
  using Params = ConvertParams;
  std::vector<Params> params = {
      {1.0f / 255.0f, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}},
      {1.0f, {123.675f, 116.28f, 103.53f}, {58.395f, 57.12f, 57.375f}},
      {1.0f / 255.0f, {0.0f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f}},
      {1.0f / 127.5f, {1.0f, 1.0f, 1.0f}, {1.0f, 1.0f, 1.0f}},
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> scale_d(-3.0f, 3.0f), mean_d(-2.0f, 2.0f), std_d(0.01f, 3.0f);
  for (int trial = 0; trial < 16; ++trial) {
    const float scale = trial % 4 == 0 ? 1.0f / 255.0f : scale_d(rng);
    params.push_back({scale, {mean_d(rng), mean_d(rng), mean_d(rng)}, {std_d(rng), std_d(rng), std_d(rng)}});
  }

  std::vector<size_t> widths;
  for (size_t w = 0; w <= 67; ++w) widths.push_back(w);
  for (size_t w : {100, 224, 257}) widths.push_back(w);

  const std::vector<tl::SimdLevel> levels = levels_above_scalar();
  // Every level above scalar has a kernel: SSE4.1 and AVX2 on x86, NEON on aarch64.
  for (tl::SimdLevel level : levels) CHECK(tl::convert_row_chw3_kernel(level) != nullptr);
  CHECK(tl::convert_row_chw3_kernel(tl::SimdLevel::kScalar) == nullptr);

  for (size_t p = 0; p < params.size(); ++p) {
    const Params& pr = params[p];
    for (size_t width : widths) {
      // Every byte value in turn for the first parameter sets, random bytes for the rest.
      std::vector<uint8_t> src(width * 3);
      for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(p < 4 ? i + p : rng());
      const std::string where = "params " + std::to_string(p) + " width " + std::to_string(width);

      std::vector<float> want(width * 3);
      for (size_t c = 0; c < 3; ++c) {
        for (size_t x = 0; x < width; ++x) {
          want[c * width + x] = unfused(src[x * 3 + c], pr.scale, pr.mean[c], pr.std[c]);
        }
      }

      const tl::PixelWriter writer(row_options(width, tl::OutType::kFloat32, pr));
      const std::vector<uint8_t> mirrored = mirror_row(src, width);
      std::vector<float> tables(width * 3, -7.0f);
      writer.write_row(mirrored.data(), 0, true, reinterpret_cast<uint8_t*>(tables.data()));
      CHECK_EQ(where + " tables " + first_difference(want, tables, width), where + " tables ");
      // Unflipped: the kernel of simd_level(), or the tables under TENSORLOADER_SIMD=off.
      std::vector<float> chosen(width * 3, -7.0f);
      writer.write_row(src.data(), 0, false, reinterpret_cast<uint8_t*>(chosen.data()));
      CHECK_EQ(where + " chosen " + first_difference(want, chosen, width), where + " chosen ");

      for (tl::SimdLevel level : levels) {
        const tl::ConvertRowChw3Fn fn = tl::convert_row_chw3_kernel(level);
        if (fn == nullptr) continue;
        // One pixel more on every plane, to see that the kernel stops at `width`.
        std::vector<float> got((width + 1) * 3, -7.0f);
        fn(src.data(), width, got.data(), got.data() + width + 1, got.data() + 2 * (width + 1), pr.scale, pr.mean,
           pr.std);
        std::vector<float> planes(width * 3);
        bool untouched = true;
        for (size_t c = 0; c < 3; ++c) {
          std::copy_n(got.begin() + static_cast<std::ptrdiff_t>(c * (width + 1)), width,
                      planes.begin() + static_cast<std::ptrdiff_t>(c * width));
          untouched = untouched && got[c * (width + 1) + width] == -7.0f;
        }
        const std::string name = where + " " + tl::simd_level_name(level) + " ";
        CHECK_EQ(name + first_difference(want, planes, width), name);
        CHECK_MSG(untouched, name + "wrote past the row");
      }
    }
  }
}

// float16 planes: every kernel, the tables (a flipped row) and PixelWriter's own choice against
// float_to_half of the unfused value, bit for bit, over every byte value and widths with odd
// tails. Scales up to 300 reach half's overflow to infinity; tiny scales its subnormals.
TEST_CASE(simd_convert_f16_matches_tables) {
  const std::vector<tl::SimdLevel> levels = levels_above_scalar();
  CHECK(tl::convert_row_chw3_f16_kernel(tl::SimdLevel::kScalar) == nullptr);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> mean_d(-2.0f, 2.0f), std_d(0.01f, 3.0f);
  using Params = ConvertParams;
  std::vector<Params> params = {
      {1.0f / 255.0f, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}},
      {300.0f, {0.0f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f}},
      {1e-7f, {0.0f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f}},
  };
  for (int trial = 0; trial < 8; ++trial) params.push_back({std_d(rng), {mean_d(rng), mean_d(rng), mean_d(rng)}, {std_d(rng), std_d(rng), std_d(rng)}});
  for (size_t p = 0; p < params.size(); ++p) {
    const Params& pr = params[p];
    for (size_t width : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{33}, size_t{86}, size_t{257}}) {
      std::vector<uint8_t> src(width * 3);
      for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i + p);
      std::vector<uint16_t> want(width * 3);
      for (size_t c = 0; c < 3; ++c) {
        for (size_t x = 0; x < width; ++x) want[c * width + x] = tl::float_to_half(unfused(src[x * 3 + c], pr.scale, pr.mean[c], pr.std[c]));
      }
      const std::string where = "f16 params " + std::to_string(p) + " width " + std::to_string(width) + " ";
      const tl::PixelWriter writer(row_options(width, tl::OutType::kFloat16, pr));
      const std::vector<uint8_t> mirrored = mirror_row(src, width);
      std::vector<uint16_t> tables(width * 3, 0xdead), chosen(width * 3, 0xdead);
      writer.write_row(mirrored.data(), 0, true, reinterpret_cast<uint8_t*>(tables.data()));
      writer.write_row(src.data(), 0, false, reinterpret_cast<uint8_t*>(chosen.data()));
      CHECK_MSG(tables == want, where + "tables differ");
      CHECK_MSG(chosen == want, where + "chosen path differs");
      for (tl::SimdLevel level : levels) {
        const tl::ConvertRowChw3F16Fn fn = tl::convert_row_chw3_f16_kernel(level);
        if (fn == nullptr) continue;
        std::vector<uint16_t> got((width + 1) * 3, 0xdead);
        fn(src.data(), width, got.data(), got.data() + width + 1, got.data() + 2 * (width + 1), pr.scale, pr.mean, pr.std);
        bool same = true, untouched = true;
        for (size_t c = 0; c < 3; ++c) {
          for (size_t x = 0; x < width; ++x) same = same && got[c * (width + 1) + x] == want[c * width + x];
          untouched = untouched && got[c * (width + 1) + width] == 0xdead;
        }
        CHECK_MSG(same, where + tl::simd_level_name(level) + " differs");
        CHECK_MSG(untouched, where + tl::simd_level_name(level) + " wrote past the row");
      }
    }
  }
#if defined(__x86_64__)
  if (tl::cpu_simd_level() == tl::SimdLevel::kAvx2 && tl::cpu_has_f16c()) CHECK(tl::convert_row_chw3_f16_kernel(tl::SimdLevel::kAvx2) != nullptr);
#elif defined(__aarch64__)
  CHECK(tl::convert_row_chw3_f16_kernel(tl::SimdLevel::kNeon) != nullptr);
#endif
}
