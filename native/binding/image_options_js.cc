#include "binding/image_options_js.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "binding/errors_js.h"

namespace tl::js {

namespace {

std::string show(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", d);
  return buf;
}

// Reads one option after another and keeps the first problem; an absent option keeps the
// core's default (the same as src/datasets/image-options.ts's).
struct OptionReader {
  Napi::Object obj;
  bool type_error = false;
  std::string error;

  void fail(bool is_type, std::string message) {
    if (!error.empty()) return;
    type_error = is_type;
    error = std::move(message);
  }
  // A finite number in [lo, hi] (an integer when `integer`); the fallback when absent.
  double number(const char* key, double fallback, double lo, double hi, bool integer = false) {
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined()) return fallback;
    if (!v.IsNumber()) {
      fail(true, std::string(key) + " must be a number");
      return fallback;
    }
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= lo && d <= hi) || (integer && d != std::floor(d))) {
      fail(false, std::string(key) + " must be " + (integer ? "an integer" : "a number") + " in " + show(lo) + ".." +
                      show(hi) + ", got " + show(d));
      return fallback;
    }
    return d;
  }
  bool boolean(const char* key, bool fallback) {
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined()) return fallback;
    if (!v.IsBoolean()) fail(true, std::string(key) + " must be a boolean");
    return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
  }
  // One of `names` (mapped to the same index of `values`).
  template <typename T, size_t N>
  T choice(const char* key, T fallback, const char* const (&names)[N], const T (&values)[N]) {
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined()) return fallback;
    if (!v.IsString()) {
      fail(true, std::string(key) + " must be a string");
      return fallback;
    }
    const std::string s = v.As<Napi::String>().Utf8Value();
    std::string known;
    for (size_t i = 0; i < N; ++i) {
      if (s == names[i]) return values[i];
      known += (i > 0 ? ", " : "") + std::string(names[i]);
    }
    fail(false, std::string(key) + " must be one of " + known + ", got '" + s + "'");
    return fallback;
  }
  // 1 or `count` numbers in [lo, hi] into out[0..count); one value applies to every channel.
  template <size_t N, typename T>
  void numbers(const char* key, T (&out)[N], size_t count, double lo, double hi) {
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined()) return;
    if (!v.IsArray()) {
      fail(true, std::string(key) + " must be an array of numbers");
      return;
    }
    Napi::Array a = v.As<Napi::Array>();
    if (a.Length() != 1 && a.Length() != count) {
      fail(false, std::string(key) + " needs 1 or " + std::to_string(count) + " values, got " + std::to_string(a.Length()));
      return;
    }
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value e = a.Get(i);
      const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
      if (!e.IsNumber()) fail(true, std::string(key) + "[" + std::to_string(i) + "] must be a number");
      if (!(d >= lo && d <= hi)) fail(false, std::string(key) + "[" + std::to_string(i) + "] is out of range");
      out[i] = static_cast<T>(d);
    }
    if (a.Length() == 1) {
      for (size_t i = 1; i < N; ++i) out[i] = out[0];
    }
  }
  // A [lo, hi] pair with 0 < lo <= hi <= max.
  void range(const char* key, double (&out)[2], double max) {
    numbers(key, out, 2, 0, max);
    if (error.empty() && !(out[0] > 0 && out[0] <= out[1])) fail(false, std::string(key) + " must satisfy 0 < lo <= hi");
  }
};

void read_geometry(OptionReader& r, ImageOptions& o) {
  o.height = static_cast<int>(r.number("height", 224, 1, 16384, true));
  o.width = static_cast<int>(r.number("width", 224, 1, 16384, true));
  static const char* const kFits[] = {"fill", "cover", "contain"};
  static const Fit kFitValues[] = {Fit::kFill, Fit::kCover, Fit::kContain};
  o.fit = r.choice("fit", Fit::kFill, kFits, kFitValues);
  o.crop_fraction = r.number("cropFraction", 1.0, 0.05, 1.0);
  static const char* const kKernels[] = {"nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"};
  static const Filter kFilters[] = {Filter::kNearest, Filter::kBox, Filter::kBilinear, Filter::kHamming, Filter::kBicubic,
                                    Filter::kLanczos};
  o.filter = r.choice("kernel", Filter::kBicubic, kKernels, kFilters);
  o.autorotate = r.boolean("autorotate", true);
  o.shrink_on_load = r.boolean("shrinkOnLoad", true);
  o.max_pixels = static_cast<uint64_t>(r.number("maxPixels", 268402689.0, 1, 9007199254740991.0, true));
  o.max_item_bytes = static_cast<uint64_t>(r.number("maxItemBytes", 536870912.0, 1, 9007199254740991.0, true));
  static const char* const kFailOn[] = {"none", "truncated", "error", "warning"};
  static const FailOn kFailOnValues[] = {FailOn::kNone, FailOn::kTruncated, FailOn::kError, FailOn::kWarning};
  o.fail_on = r.choice("failOn", FailOn::kWarning, kFailOn, kFailOnValues);
  o.random_resized_crop = r.boolean("randomResizedCrop", false);
  r.range("rrcScale", o.rrc_scale, 1.0);
  r.range("rrcRatio", o.rrc_ratio, 1e9);
  o.hflip = r.number("hflip", 0.0, 0.0, 1.0);
  o.seed = static_cast<uint32_t>(r.number("seed", 0, 0, 4294967295.0, true));
}

void read_values(OptionReader& r, ImageOptions& o) {
  o.channels = static_cast<int>(r.number("channels", 3, 1, 4, true));
  if (o.channels == 2) r.fail(false, "channels must be 1, 3 or 4, got 2");
  const size_t channels = static_cast<size_t>(o.channels);
  r.numbers("background", o.background, 3, 0, 255);
  r.numbers("pad", o.pad, channels, 0, 255);
  static const char* const kTypes[] = {"uint8", "float32", "float16"};
  static const OutType kTypeValues[] = {OutType::kUint8, OutType::kFloat32, OutType::kFloat16};
  o.dtype = r.choice("dtype", OutType::kFloat32, kTypes, kTypeValues);
  o.scale = static_cast<float>(r.number("scale", 1.0 / 255.0, -1e6, 1e6));
  r.numbers("mean", o.mean, channels, -1e6, 1e6);
  r.numbers("std", o.std, channels, 1e-12, 1e6);
  static const char* const kLayouts[] = {"CHW", "HWC"};
  static const Layout kLayoutValues[] = {Layout::kCHW, Layout::kHWC};
  o.layout = r.choice("layout", Layout::kCHW, kLayouts, kLayoutValues);
}

}  // namespace

bool image_options_from_js(Napi::Env env, Napi::Object obj, const char* what, ImageOptions& out) {
  OptionReader reader{obj, false, {}};
  read_geometry(reader, out);
  read_values(reader, out);
  if (reader.error.empty()) return true;
  const std::string message = std::string(what) + ": image options: " + reader.error;
  if (reader.type_error) {
    throw_type_error(env, message);
  } else {
    throw_range_error(env, message);
  }
  return false;
}

}  // namespace tl::js
