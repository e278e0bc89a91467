#include "core/py_literal.h"

#include <limits>
#include <utility>

namespace tl {
namespace {

class Parser {
 public:
  Parser(const char* text, size_t size) : t_(text), n_(size) {}

  PyParseError run(PyValue& out) {
    while (p_ < n_ && (t_[p_] == ' ' || t_[p_] == '\t')) ++p_;
    if (!value(out, 0)) return err_;
    skip_space();
    if (p_ != n_) fail("trailing characters after the header's dict");
    return err_;
  }

 private:
  bool fail(const char* why) {
    if (err_.why.empty()) {
      err_.why = why;
      err_.offset = p_;
    }
    return false;
  }
  // Inside brackets Python allows any whitespace, newlines included.
  void skip_space() {
    while (p_ < n_ && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r')) ++p_;
  }
  bool at(char c) {
    skip_space();
    return p_ < n_ && t_[p_] == c;
  }
  static bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  // A bare word (True, False, None): exactly the word, not a prefix of a longer name.
  bool keyword(const char* w, size_t len) {
    if (n_ - p_ < len || std::string(t_ + p_, len) != w) return false;
    if (p_ + len < n_ && word_char(t_[p_ + len])) return false;
    p_ += len;
    return true;
  }

  bool value(PyValue& v, int depth) {
    if (depth > kMaxPyDepth) return fail("literal nested too deeply");
    skip_space();
    if (p_ >= n_) return fail("the header ends where a value should be");
    const char c = t_[p_];
    if (c == '{') return dict(v, depth);
    if (c == '(') return tuple(v, depth);
    if (c == '[') return list(v, depth);
    if (c == '\'' || c == '"') {
      v.kind = PyValue::Kind::kStr;
      return string(v.str);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return integer(v);
    if (keyword("True", 4)) {
      v.kind = PyValue::Kind::kBool;
      v.boolean = true;
      return true;
    }
    if (keyword("False", 5)) {
      v.kind = PyValue::Kind::kBool;
      v.boolean = false;
      return true;
    }
    if (keyword("None", 4)) {
      v.kind = PyValue::Kind::kNone;
      return true;
    }
    return fail("not a Python literal (True, False, None, a number, a string, a tuple, a list or a dict)");
  }

  bool string(std::string& s) {
    const char q = t_[p_++];
    s.clear();
    while (p_ < n_ && t_[p_] != q) {
      char c = t_[p_];
      if (c == '\n' || c == '\r') return fail("a newline inside a string");
      if (c == '\\') {
        if (++p_ >= n_) break;
        c = t_[p_];
        if (c != '\\' && c != '\'' && c != '"') return fail("a string escape numpy never writes");
      }
      s += c;
      ++p_;
    }
    if (p_ >= n_) return fail("unterminated string");
    ++p_;
    // Python joins adjacent strings ('<' 'f4'); numpy never writes that, so it is refused.
    if (at('\'') || at('"')) return fail("adjacent strings");
    return true;
  }

  bool integer(PyValue& v) {
    v.kind = PyValue::Kind::kInt;
    v.negative = false;
    if (t_[p_] == '-') {
      v.negative = true;
      ++p_;
      skip_space();
    }
    const size_t start = p_;
    uint64_t x = 0;
    while (p_ < n_ && t_[p_] >= '0' && t_[p_] <= '9') {
      const auto d = static_cast<uint64_t>(t_[p_] - '0');
      if (x > (std::numeric_limits<uint64_t>::max() - d) / 10) return fail("an integer overflows 64 bits");
      x = x * 10 + d;
      ++p_;
    }
    if (p_ == start) return fail("a '-' without a number");
    // Python 3 refuses leading zeros (0123); 0x.., 1.5, 1e3, 1_000 and 3L are no ints numpy writes.
    if (p_ - start > 1 && t_[start] == '0') return fail("an integer with a leading zero");
    if (p_ < n_ && (word_char(t_[p_]) || t_[p_] == '.')) return fail("not a decimal integer");
    v.integer = x;
    return true;
  }

  // (x) is x in parentheses, (x,) and (x, y) are tuples, () is the empty tuple.
  bool tuple(PyValue& v, int depth) {
    ++p_;
    if (at(')')) {
      ++p_;
      v.kind = PyValue::Kind::kTuple;
      v.items.clear();
      return true;
    }
    PyValue first;
    if (!value(first, depth + 1)) return false;
    if (at(')')) {
      ++p_;
      v = std::move(first);
      return true;
    }
    if (!at(',')) return fail("expected ',' or ')' in a tuple");
    ++p_;
    v.kind = PyValue::Kind::kTuple;
    v.items.clear();
    v.items.push_back(std::move(first));
    return elements(v, depth, ')');
  }

  bool list(PyValue& v, int depth) {
    ++p_;
    v.kind = PyValue::Kind::kList;
    v.items.clear();
    return elements(v, depth, ']');
  }

  // The rest of a tuple or list: elements separated by commas, one trailing comma allowed,
  // none leading or doubled.
  bool elements(PyValue& v, int depth, char close) {
    while (!at(close)) {
      PyValue item;
      if (!value(item, depth + 1)) return false;
      v.items.push_back(std::move(item));
      if (at(',')) {
        ++p_;
      } else if (!at(close)) {
        return fail(close == ')' ? "expected ',' or ')' in a tuple" : "expected ',' or ']' in a list");
      }
    }
    ++p_;
    return true;
  }

  bool dict(PyValue& v, int depth) {
    ++p_;
    v.kind = PyValue::Kind::kDict;
    v.keys.clear();
    v.items.clear();
    while (!at('}')) {
      if (!at('\'') && !at('"')) return fail("a dict key that is not a string");
      const size_t key_at = p_;
      std::string key;
      if (!string(key)) return false;
      for (const std::string& k : v.keys) {
        if (k == key) {
          p_ = key_at;
          return fail("a duplicate key in the header's dict");
        }
      }
      if (!at(':')) return fail("expected ':' after a dict key");
      ++p_;
      PyValue item;
      if (!value(item, depth + 1)) return false;
      v.keys.push_back(std::move(key));
      v.items.push_back(std::move(item));
      if (at(',')) {
        ++p_;
      } else if (!at('}')) {
        return fail("expected ',' or '}' in a dict");
      }
    }
    ++p_;
    return true;
  }

  const char* t_;
  size_t n_;
  size_t p_ = 0;
  PyParseError err_;
};

}  // namespace

PyParseError parse_py_literal(const char* text, size_t size, PyValue& out) {
  out = PyValue{};
  return Parser(text, size).run(out);
}

}  // namespace tl
