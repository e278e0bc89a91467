// Shared by the fuzz targets: a check that aborts (a crash libFuzzer reports and the replay
// tests fail on) when an invariant of a parser's result does not hold.
#pragma once

#include <cstdio>
#include <cstdlib>

#define TL_FUZZ_CHECK(cond)                                                                    \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)
