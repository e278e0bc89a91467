// libvips is initialised once per process and never shut down (vips_shutdown() cannot be
// undone, and worker threads may still load the addon later). Its operation cache is off and
// its own concurrency is 1: parallelism comes from our pool, one image per pool thread.
#pragma once

#include <string>

namespace tl {

// Thread-safe and idempotent. Returns false (with a message) when libvips failed to start.
bool vips_runtime_init(std::string* error);
std::string vips_runtime_version();

}  // namespace tl
