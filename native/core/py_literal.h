// A parser for the small subset of Python literals a .npy header is written in: dicts with
// string keys, tuples, lists, strings, True/False/None and decimal integers. numpy reads the
// header with ast.literal_eval, so a header is either this literal or not a header: nothing
// here searches for substrings, and whatever follows the literal (other than the padding
// whitespace numpy writes) is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tl {

struct PyValue {
  enum class Kind { kDict, kTuple, kList, kStr, kBool, kInt, kNone };
  Kind kind = Kind::kNone;
  std::string str;              // kStr
  bool boolean = false;         // kBool
  bool negative = false;        // kInt: the sign; magnitude in `integer`
  uint64_t integer = 0;         // kInt
  std::vector<std::string> keys;  // kDict: keys in order, parallel to `items`
  std::vector<PyValue> items;   // kTuple/kList elements, kDict values
};

struct PyParseError {
  std::string why;     // empty when the parse succeeded
  size_t offset = 0;   // in the text given to parse_py_literal
};

// Parses exactly one literal from text[0, size), allowing leading spaces/tabs and trailing
// whitespace. Refuses duplicate dict keys (numpy never writes them; a second key meant to
// override the first is how a header lies), integers beyond 64 bits and nesting deeper than
// kMaxPyDepth.
constexpr int kMaxPyDepth = 16;
PyParseError parse_py_literal(const char* text, size_t size, PyValue& out);

}  // namespace tl
