// The tests' tiny harness (no framework): TEST_CASE registers a function, CHECK records a
// failure with file:line and carries on. main.cc holds main(); every *_tests.cc file adds cases.
#pragma once

#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/status.h"

struct TestCase {
  const char* name;
  void (*fn)();
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

struct Registrar {
  Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

inline int g_current_failures = 0;

inline void record_failure(const char* file, int line, const std::string& what) {
  ++g_current_failures;
  std::printf("    %s:%d: %s\n", file, line, what.c_str());
  std::fflush(stdout);
}

inline std::string show(const std::string& s) { return "\"" + s + "\""; }
inline std::string show(tl::Code c) { return tl::code_name(c); }
template <typename T>
std::enable_if_t<std::is_arithmetic_v<T>, std::string> show(T v) {
  std::ostringstream o;
  o.precision(std::numeric_limits<double>::max_digits10);
  o << +v;
  return o.str();
}

template <typename A, typename B>
void check_eq(const A& a, const B& b, const char* ea, const char* eb, const char* file, int line) {
  if (!(a == b)) record_failure(file, line, std::string(ea) + " == " + eb + "  (" + show(a) + " vs " + show(b) + ")");
}

#define TEST_CASE(name)                               \
  void name();                                        \
  const Registrar registrar_##name(#name, &(name));   \
  void name()

#define CHECK(cond)                                                       \
  do {                                                                    \
    if (!(cond)) record_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_MSG(cond, msg)                                                                   \
  do {                                                                                         \
    if (!(cond)) record_failure(__FILE__, __LINE__, std::string("CHECK(" #cond "): ") + (msg)); \
  } while (0)

#define CHECK_EQ(a, b) check_eq((a), (b), #a, #b, __FILE__, __LINE__)
