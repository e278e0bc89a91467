// Tests of core/text_parser: one table of texts the parser takes (with the float32 values it
// must give, bit for bit, as numpy's np.fromstring(...).astype(np.float32) does) and one of
// texts it refuses (with the code, byte offset and message it must give).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/text_parser.h"
#include "test/harness.h"
#include "test/test_util.h"

namespace {

struct Accepted {
  const char* what;
  std::string text;
  std::vector<const char*> values;  // each parsed as a double and rounded once to float32
};

const std::vector<Accepted>& accepted() {
  static const std::vector<Accepted> cases = {
      {"numpy style", "[0.5488135  0.71518937 0.60276338\n 0.43758721]\n", {"0.5488135", "0.71518937", "0.60276338", "0.43758721"}},
      // Rounded once (double -> float), not twice: a value whose direct float parse would differ
      // is still equal to static_cast<float>(strtod(...)).
      {"double rounding matches numpy",
       "0.1 3.4028234663852886e38 1.00000005960464477539 -7.006492321624085e-46 1.4e-45 123456789.123456789 2.5e-38 ",
       {"0.1", "3.4028234663852886e38", "1.00000005960464477539", "-7.006492321624085e-46", "1.4e-45",
        "123456789.123456789", "2.5e-38"}},
      {"comma separated", "1.5, -2.25,3e2 ,\t4", {"1.5", "-2.25", "300", "4"}},
      {"no brackets", "  1 2\r\n3\n", {"1", "2", "3"}},
      {"2-d", "[[1. 2.]\n [3. 4.]]", {"1", "2", "3", "4"}},
      {"scientific", "[1e-3 -2.5E+2 6.02214076e23 1.e5 .5e-1]", {"1e-3", "-250", "6.02214076e23", "100000", "0.05"}},
      {"nan and inf", "[nan inf -inf NaN -Infinity]", {"nan", "inf", "-inf", "nan", "-inf"}},
      {"leading plus", "+1.5 +2 +inf -3", {"1.5", "2", "inf", "-3"}},
      // As numpy: np.fromstring('1e400 -1e400 1e-400 -1e-400', sep=' ') -> [inf, -inf, 0., -0.]
      {"out of double range", "1e400 -1e400 1e-400 -1e-400", {"inf", "-inf", "0", "-0"}},
      // Found by native/fuzz/text_parser_fuzz.cc: an out-of-range token over 127 characters lost
      // its exponent ("-3.40282364...4e4856838" read as -3.4028236). numpy reads the whole token.
      {"long out-of-range tokens",
       "-3.4028236" + std::string(130, '4') + "e4856838 1" + std::string(200, '0') + "e-700", {"-inf", "0"}},
      // Over FLT_MAX + half an ulp rounds to inf.
      {"float overflow is inf", "1e39 -1e39 3.4028236e38", {"inf", "-inf", "inf"}},
      // numpy prints np.finfo(np.float32).max as 3.4028235e+38. As a double that is slightly
      // above FLT_MAX, but it rounds to FLT_MAX (not inf) in float32.
      {"float32 max round trips", "[ 3.4028235e+38 -3.4028235e+38]", {"3.4028234663852886e38", "-3.4028234663852886e38"}},
  };
  return cases;
}

constexpr int64_t kAnyOffset = std::numeric_limits<int64_t>::min();

struct Refused {
  const char* what;
  std::string text;
  size_t expected;
  tl::Code code;
  int64_t offset;
  std::vector<const char*> message;  // substrings the message must hold
};

const std::vector<Refused>& refused() {
  static const std::vector<Refused> cases = {
      // A lone '+' or a doubled one is not a number.
      {"lone plus", "1 + 2", 3, tl::Code::kParse, 2, {}},
      {"doubled plus", "1 ++2", 2, tl::Code::kParse, 2, {}},
      // "+-1" is not a number (strtod, Python's float() and numpy refuse it); the parser skips
      // the '+' and must not let from_chars accept "-1".
      {"plus then minus", "1 +-2", 2, tl::Code::kParse, 2, {}},
      {"too few values", "[1 2 3]\n", 4, tl::Code::kCount, 8, {"expected 4", "found 3"}},
      {"too many values", "[1 2 3\n 44 5]", 3, tl::Code::kCount, 8, {"found 5"}},  // at the first extra token, "44"
      {"garbage", "0.1 abc 0.3", 3, tl::Code::kParse, 4, {"abc"}},
      // A number glued to garbage is not a number either.
      {"number glued to garbage", "1 2x 3", 3, tl::Code::kParse, 2, {}},
      // Non-printable bytes are escaped in the message.
      {"non-printable bytes", std::string("1 \x01\xff", 4), 2, tl::Code::kParse, kAnyOffset, {"\\x01\\xff"}},
      {"numpy summarised", "[0. 1. 2. ... 7. 8. 9.]", 10, tl::Code::kParse, 10, {"summarised"}},
      {"empty", "", 3, tl::Code::kCount, 0, {}},
      {"empty brackets", " [ ]\n", 1, tl::Code::kCount, 5, {}},
  };
  return cases;
}

bool same_value(float got, float want) { return std::isnan(want) ? std::isnan(got) : same_bits(got, want); }

}  // namespace

TEST_CASE(text_parser_accepts) {
  for (const Accepted& c : accepted()) {
    std::vector<float> v;
    const tl::ItemStatus s = parse(c.text, v, c.values.size());
    CHECK_MSG(s.ok(), std::string(c.what) + ": " + s.message);
    for (size_t i = 0; i < c.values.size(); ++i) {
      CHECK_MSG(same_value(v[i], f32(c.values[i])),
                std::string(c.what) + ": value " + std::to_string(i) + " is " + show(v[i]) + ", expected " + c.values[i]);
    }
    CHECK_MSG(v[c.values.size()] == -12345.0f, std::string(c.what) + ": written past the expected count");
  }
}

TEST_CASE(text_parser_refuses) {
  for (const Refused& c : refused()) {
    std::vector<float> v;
    const tl::ItemStatus s = parse(c.text, v, c.expected);
    CHECK_MSG(s.code == c.code, std::string(c.what) + ": code " + tl::code_name(s.code));
    if (c.offset != kAnyOffset) CHECK_MSG(s.offset == c.offset, std::string(c.what) + ": offset " + show(s.offset));
    for (const char* part : c.message) {
      CHECK_MSG(s.message.find(part) != std::string::npos, std::string(c.what) + ": message '" + s.message + "'");
    }
    // Extras are counted, never written.
    CHECK_MSG(v[c.expected] == -12345.0f, std::string(c.what) + ": written past the expected count");
  }
}

TEST_CASE(text_parser_too_many_values_keeps_the_first) {
  std::vector<float> v;
  const tl::ItemStatus s = parse("[1 2 3\n 44 5]", v, 3);
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_EQ(v[0], 1.0f);
  CHECK_EQ(v[2], 3.0f);
}

TEST_CASE(text_parser_zero_values) {
  const tl::ItemStatus s = tl::parse_floats(nullptr, 0, nullptr, 0);  // zero values expected and found
  CHECK_EQ(s.code, tl::Code::kOk);
}
