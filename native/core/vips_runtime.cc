#include "core/vips_runtime.h"

#include <vips/vips.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tl {
namespace {
std::once_flag g_once;
bool g_ok = false;
std::string g_error;
}  // namespace

bool vips_runtime_init(std::string* error) {
  std::call_once(g_once, [] {
    if (VIPS_INIT("tensorloader") != 0) {
      const char* msg = vips_error_buffer();
      g_error = msg != nullptr && *msg != '\0' ? msg : "vips_init failed";
      vips_error_clear();
      return;
    }
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_concurrency_set(1);
    // Every decode problem reaches the caller as an item error; libvips' own warnings on stderr
    // (one per truncated file, say) would only repeat them. TENSORLOADER_VIPS_WARNINGS=1 keeps them.
    const char* keep = std::getenv("TENSORLOADER_VIPS_WARNINGS");
    if (keep == nullptr || std::strcmp(keep, "1") != 0) {
      g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
                        [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
    }
    g_ok = true;
  });
  if (!g_ok && error != nullptr) *error = g_error;
  return g_ok;
}

std::string vips_runtime_version() {
  return std::to_string(vips_version(0)) + "." + std::to_string(vips_version(1)) + "." +
         std::to_string(vips_version(2));
}

}  // namespace tl
