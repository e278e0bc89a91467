#include "binding/image_options_js.h"

#include <cmath>
#include <utility>

namespace tl::js {

namespace {

// Reads the options object the TypeScript layer has already validated and normalised; the
// checks here only keep a hand-made object from reaching the core with nonsense.
struct OptionReader {
  Napi::Env env;
  Napi::Object obj;
  std::string error;

  double number(const char* key, double fallback, double lo, double hi) {
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined()) return fallback;
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!(d >= lo && d <= hi) && error.empty()) error = std::string(key) + " is out of range";
    return d;
  }
  bool boolean(const char* key, bool fallback) {
    Napi::Value v = obj.Get(key);
    return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
  }
  std::string string(const char* key, const char* fallback) {
    Napi::Value v = obj.Get(key);
    return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
  }
  template <size_t N, typename T>
  void numbers(const char* key, T (&out)[N], size_t min_count, double lo, double hi) {
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined()) return;
    if (!v.IsArray() || v.As<Napi::Array>().Length() < min_count || v.As<Napi::Array>().Length() > N) {
      if (error.empty()) error = std::string(key) + " must be an array of " + std::to_string(min_count) + ".." + std::to_string(N) + " numbers";
      return;
    }
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value e = a.Get(i);
      double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
      if (!(d >= lo && d <= hi) && error.empty()) error = std::string(key) + "[" + std::to_string(i) + "] is out of range";
      out[i] = static_cast<T>(d);
    }
    // One value given: it applies to every channel.
    if (a.Length() == 1) {
      for (size_t i = 1; i < N; ++i) out[i] = out[0];
    }
  }
};

// The enum value named `name` in `table`; false (out untouched) when none is.
template <typename E, size_t N>
bool pick(const std::string& name, const std::pair<const char*, E> (&table)[N], E& out) {
  for (const auto& [n, value] : table) {
    if (name == n) {
      out = value;
      return true;
    }
  }
  return false;
}

bool parse_options(OptionReader& r, ImageOptions& o) {
  o.height = static_cast<int>(r.number("height", 224, 1, 16384));
  o.width = static_cast<int>(r.number("width", 224, 1, 16384));
  std::string fit = r.string("fit", "fill");
  o.fit = fit == "cover" ? Fit::kCover : fit == "contain" ? Fit::kContain : Fit::kFill;
  if (fit != "fill" && fit != "cover" && fit != "contain") r.error = "fit must be fill, cover or contain";
  o.crop_fraction = r.number("cropFraction", 1.0, 0.05, 1.0);
  o.channels = static_cast<int>(r.number("channels", 3, 1, 4));
  if (o.channels == 2) r.error = "channels must be 1, 3 or 4";
  r.numbers("background", o.background, 1, 0, 255);
  r.numbers("pad", o.pad, 1, 0, 255);
  static const std::pair<const char*, Filter> kKernels[] = {{"nearest", Filter::kNearest}, {"box", Filter::kBox},
                                                            {"bilinear", Filter::kBilinear}, {"hamming", Filter::kHamming},
                                                            {"bicubic", Filter::kBicubic}, {"lanczos", Filter::kLanczos}};
  if (!pick(r.string("kernel", "bicubic"), kKernels, o.filter)) r.error = "kernel must be one of nearest, box, bilinear, hamming, bicubic, lanczos";
  o.autorotate = r.boolean("autorotate", true);
  o.shrink_on_load = r.boolean("shrinkOnLoad", true);
  o.max_pixels = static_cast<uint64_t>(r.number("maxPixels", 268402689.0, 1, 9.0e15));
  o.max_item_bytes = static_cast<uint64_t>(r.number("maxItemBytes", 536870912.0, 1, 9.0e15));
  static const std::pair<const char*, FailOn> kFailOn[] = {
      {"none", FailOn::kNone}, {"truncated", FailOn::kTruncated}, {"error", FailOn::kError}, {"warning", FailOn::kWarning}};
  if (!pick(r.string("failOn", "warning"), kFailOn, o.fail_on)) r.error = "failOn must be one of none, truncated, error, warning";
  std::string dtype = r.string("dtype", "float32");
  o.dtype = dtype == "uint8" ? OutType::kUint8 : dtype == "float16" ? OutType::kFloat16 : OutType::kFloat32;
  if (dtype != "uint8" && dtype != "float16" && dtype != "float32") r.error = "dtype must be uint8, float32 or float16";
  o.scale = static_cast<float>(r.number("scale", 1.0 / 255.0, -1e6, 1e6));
  r.numbers("mean", o.mean, 1, -1e6, 1e6);
  r.numbers("std", o.std, 1, 1e-12, 1e6);
  std::string layout = r.string("layout", "CHW");
  o.layout = layout == "HWC" ? Layout::kHWC : Layout::kCHW;
  if (layout != "HWC" && layout != "CHW") r.error = "layout must be CHW or HWC";
  o.random_resized_crop = r.boolean("randomResizedCrop", false);
  r.numbers("rrcScale", o.rrc_scale, 2, 1e-6, 1.0);
  r.numbers("rrcRatio", o.rrc_ratio, 2, 1e-3, 1e3);
  o.hflip = r.number("hflip", 0.0, 0.0, 1.0);
  o.seed = static_cast<uint32_t>(r.number("seed", 0, 0, 4294967295.0));
  return r.error.empty();
}

}  // namespace

bool image_options_from_js(Napi::Object obj, ImageOptions& out, std::string& error) {
  OptionReader reader{obj.Env(), obj, {}};
  const bool ok = parse_options(reader, out);
  error = reader.error;
  return ok;
}

}  // namespace tl::js
