// The native core's tests (plain C++17, no JS, no test framework): every *_tests.cc file
// registers its TEST_CASEs (test/harness.h), and this runs them in order. One line per test,
// then exactly `N passed, M failed`; the exit status is non-zero when any test failed.
//
// Build and run: cmake -S . -B build-native -DTL_CORE_TESTS=ON && cmake --build build-native
//                (cd build-native && ctest --output-on-failure)
// Under ASan/UBSan/LSan: scripts/native-tests.sh
#include <chrono>
#include <cstdio>

#include "test/harness.h"

int main() {
  int passed = 0, failed = 0;
  for (const TestCase& t : registry()) {
    g_current_failures = 0;
    const auto t0 = std::chrono::steady_clock::now();
    t.fn();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    if (g_current_failures == 0) {
      ++passed;
      std::printf("PASS %s (%lld ms)\n", t.name, static_cast<long long>(ms.count()));
    } else {
      ++failed;
      std::printf("FAIL %s (%d failed checks)\n", t.name, g_current_failures);
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
