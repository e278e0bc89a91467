#include "core/text_parser.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

namespace tl {
namespace {

inline bool is_separator(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == '[' || c == ']' ||
         c == '\f' || c == '\v';
}

std::string token_at(const char* p, const char* end) {
  const char* q = p;
  while (q < end && !is_separator(*q) && q - p < 24) ++q;
  std::string token;
  for (const char* c = p; c < q; ++c) {
    unsigned char u = static_cast<unsigned char>(*c);
    if (u >= 0x20 && u < 0x7f) {
      token.push_back(*c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      token += "\\x";
      token.push_back(kHex[u >> 4]);
      token.push_back(kHex[u & 15]);
    }
  }
  return token;
}

inline float to_float32(double v) {
  // An out-of-range double-to-float conversion is undefined behaviour; numpy gives +-inf. Values
  // below FLT_MAX + half an ulp still round to FLT_MAX (numpy prints FLT_MAX as 3.4028235e+38,
  // which as a double lies just above it).
  constexpr double kOverflow = 0x1.ffffffp+127;
  if (v >= kOverflow) return std::numeric_limits<float>::infinity();
  if (v <= -kOverflow) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(v);
}

// from_chars reports both overflow (1e400) and underflow (1e-400) as out of range; strtod
// gives what numpy gives for them: +-inf and +-0. strtod needs the whole token terminated: a
// cut copy could lose the exponent ("1.000...0e400" read as 1).
double out_of_range_value(const char* token, const char* end) {
  char buf[128];
  const size_t n = static_cast<size_t>(end - token);
  if (n >= sizeof buf) return std::strtod(std::string(token, n).c_str(), nullptr);
  std::memcpy(buf, token, n);
  buf[n] = '\0';
  return std::strtod(buf, nullptr);
}

}  // namespace

ItemStatus parse_floats(const char* data, size_t size, float* out, size_t expected) {
  const char* p = data;
  const char* const end = data + size;
  size_t count = 0;
  const char* first_extra = nullptr;
  while (true) {
    while (p < end && is_separator(*p)) ++p;
    if (p == end) break;
    const char* token = p;
    // from_chars refuses a leading '+', numpy accepts it (but not "+-1").
    if (*p == '+' && p + 1 < end && p[1] != '-') ++p;
    double value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec == std::errc::result_out_of_range) value = out_of_range_value(p, next);
    if ((ec != std::errc() && ec != std::errc::result_out_of_range) || (next < end && !is_separator(*next))) {
      std::string t = token_at(token, end);
      std::string hint = t.rfind("...", 0) == 0 ? " (numpy summarised this array; print it with "
                                                  "np.set_printoptions(threshold=sys.maxsize))"
                                                : "";
      return ItemStatus::error(Code::kParse, "not a number: '" + t + "'" + hint, token - data);
    }
    if (count < expected) {
      out[count] = to_float32(value);
    } else if (first_extra == nullptr) {
      first_extra = token;
    }
    ++count;
    p = next;
  }
  if (count != expected) {
    int64_t offset = first_extra != nullptr ? first_extra - data : static_cast<int64_t>(size);
    return ItemStatus::error(Code::kCount, "expected " + std::to_string(expected) +
                                               " values, found " + std::to_string(count),
                             offset);
  }
  return {};
}

}  // namespace tl
