#include "binding/image_source_wrap.h"

#include <cmath>
#include <utility>
#include <string>
#include <vector>

#include "binding/errors_js.h"

namespace tl::js {

const napi_type_tag ImageSourceWrap::kTypeTag = {0x51c0e2aa9d3b4f27ULL, 0x8b1e7d6c5a4f3e02ULL};

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
  std::string kernel = r.string("kernel", "bicubic");
  static const std::pair<const char*, Filter> kKernels[] = {{"nearest", Filter::kNearest}, {"box", Filter::kBox},
                                                            {"bilinear", Filter::kBilinear}, {"hamming", Filter::kHamming},
                                                            {"bicubic", Filter::kBicubic}, {"lanczos", Filter::kLanczos}};
  bool known = false;
  for (const auto& [name, filter] : kKernels) {
    if (kernel == name) {
      o.filter = filter;
      known = true;
    }
  }
  if (!known) r.error = "kernel must be one of nearest, box, bilinear, hamming, bicubic, lanczos";
  o.autorotate = r.boolean("autorotate", true);
  o.shrink_on_load = r.boolean("shrinkOnLoad", true);
  o.max_pixels = static_cast<uint64_t>(r.number("maxPixels", 268402689.0, 1, 9.0e15));
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

Napi::Function ImageSourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeImageSource",
                     {InstanceAccessor<&ImageSourceWrap::Length>("length"),
                      InstanceAccessor<&ImageSourceWrap::ItemBytes>("itemBytes"),
                      InstanceMethod<&ImageSourceWrap::ReadInto>("readInto")});
}

ImageSourceWrap::ImageSourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ImageSourceWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsObject()) {
    throw_type_error(env, "NativeImageSource(paths: string[], options: object)");
    return;
  }
  std::vector<std::string> paths;
  if (!paths_from_js(env, info[0].As<Napi::Array>(), paths)) return;
  OptionReader reader{env, info[1].As<Napi::Object>(), {}};
  ImageOptions options;
  if (!parse_options(reader, options)) {
    throw_type_error(env, "NativeImageSource: " + reader.error);
    return;
  }
  source_ = std::make_shared<ImageSource>(std::move(paths), options);
  napi_type_tag_object(env, info.This(), &kTypeTag);
}

Napi::Value ImageSourceWrap::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->length()));
}

Napi::Value ImageSourceWrap::ItemBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(source_->item_bytes()));
}

Napi::Value ImageSourceWrap::ReadInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray()) {
    return throw_type_error(env, "readInto(index: number, target: TypedArray, epoch?: number)");
  }
  Napi::TypedArray target = info[1].As<Napi::TypedArray>();
  if (target.ByteLength() != source_->item_bytes() || target.ByteOffset() % 4 != 0) {
    return throw_type_error(env, "target must be an aligned typed array of " + std::to_string(source_->item_bytes()) + " bytes");
  }
  uint32_t epoch = 0;
  if (info.Length() > 2 && info[2].IsNumber()) epoch = info[2].As<Napi::Number>().Uint32Value();
  auto* dst = static_cast<uint8_t*>(target.ArrayBuffer().Data()) + target.ByteOffset();
  return read_item(env, *source_, info[0].As<Napi::Number>().Int64Value(), epoch, dst, scratch_);
}

}  // namespace tl::js
