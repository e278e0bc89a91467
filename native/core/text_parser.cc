#include "core/text_parser.h"

#include <charconv>
#include <cmath>
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
  // An out-of-range double-to-float conversion is undefined behaviour; numpy gives +-inf.
  constexpr double kMax = static_cast<double>(std::numeric_limits<float>::max());
  if (v > kMax) return std::numeric_limits<float>::infinity();
  if (v < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(v);
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
    if (*p == '+') ++p;  // from_chars refuses a leading '+', numpy accepts it
    double value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec == std::errc::result_out_of_range) {
      return ItemStatus::error(Code::kParse, "number out of range: '" + token_at(token, end) + "'",
                               token - data);
    }
    if (ec != std::errc() || (next < end && !is_separator(*next))) {
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
