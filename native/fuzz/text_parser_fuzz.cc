// Fuzz target: the numeric text parser (core/text_parser.h), on a file's bytes.
//
// Each input is parsed with the exact count of tokens it holds and with a few fixed counts,
// into heap buffers of exactly that many floats (so a write past `expected` is an ASan
// report). Beyond memory safety it checks the parser's contract: an accepted file holds
// exactly `expected` numbers, each equal to strtod's value of the whole token rounded once to
// float32 (what numpy's fromstring gives), and error offsets lie inside the file.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/text_parser.h"
#include "fuzz/fuzz_check.h"

namespace {

bool is_separator(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == '[' || c == ']' || c == '\f' ||
         c == '\v';
}

// What numpy would store for one token: strtod of the whole token, rounded once to float32
// (a double over FLT_MAX + half an ulp becomes +-inf).
float reference_value(const std::string& token) {
  const double v = std::strtod(token.c_str(), nullptr);
  constexpr double kOverflow = 0x1.ffffffp+127;
  if (v >= kOverflow) return std::numeric_limits<float>::infinity();
  if (v <= -kOverflow) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(v);
}

void parse_and_check(const char* data, size_t size, const std::vector<std::string>& tokens, size_t expected) {
  // Exactly `expected` floats on the heap: one more would be an overflow ASan reports.
  std::vector<float> out(expected);
  const tl::ItemStatus s = tl::parse_floats(data, size, expected == 0 ? nullptr : out.data(), expected);
  switch (s.code) {
    case tl::Code::kOk:
      TL_FUZZ_CHECK(tokens.size() == expected);
      for (size_t i = 0; i < expected; ++i) {
        const float want = reference_value(tokens[i]);
        // Bitwise, so -0 and +0 are told apart; any NaN matches any NaN.
        const bool same = std::isnan(want) ? std::isnan(out[i]) : std::memcmp(&want, &out[i], sizeof want) == 0;
        if (!same) {
          std::fprintf(stderr, "value %zu: token '%s' parsed as %.9g, strtod gives %.9g\n", i, tokens[i].c_str(),
                       static_cast<double>(out[i]), static_cast<double>(want));
        }
        TL_FUZZ_CHECK(same);
      }
      break;
    case tl::Code::kParse:
      TL_FUZZ_CHECK(s.offset >= 0 && static_cast<size_t>(s.offset) < size);
      TL_FUZZ_CHECK(!is_separator(data[s.offset]));
      break;
    case tl::Code::kCount:
      TL_FUZZ_CHECK(tokens.size() != expected);
      TL_FUZZ_CHECK(s.offset >= 0 && static_cast<size_t>(s.offset) <= size);
      break;
    default:
      TL_FUZZ_CHECK(false && "parse_floats returned a code it does not document");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  // Real item files are small; large inputs only slow the search down.
  if (size > 64 * 1024) return 0;
  // A copy the exact size of the input, so reading one byte past it is an ASan report.
  std::vector<char> copy(bytes, bytes + size);
  const char* data = copy.empty() ? nullptr : copy.data();

  std::vector<std::string> tokens;
  for (size_t i = 0; i < size;) {
    while (i < size && is_separator(data[i])) ++i;
    const size_t start = i;
    while (i < size && !is_separator(data[i])) ++i;
    if (i > start) tokens.emplace_back(data + start, i - start);
  }

  parse_and_check(data, size, tokens, tokens.size());
  parse_and_check(data, size, tokens, 0);
  parse_and_check(data, size, tokens, 1);
  parse_and_check(data, size, tokens, 10);
  return 0;
}
