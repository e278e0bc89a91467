// Tests of core/vips_runtime.
#include "test/test_util.h"

TEST_CASE(vips_runtime_init_idempotent) {
  // Started once per process, never shut down; concurrent and repeated calls are fine.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&ok] {
      std::string error;
      if (tl::vips_runtime_init(&error) && error.empty()) ok.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  CHECK_EQ(ok.load(), 4);
  std::string error;
  CHECK(tl::vips_runtime_init(&error));
  CHECK(tl::vips_runtime_init(nullptr));
  const std::string version = tl::vips_runtime_version();
  CHECK_MSG(version.size() >= 5 && version[0] >= '8', version);
}
