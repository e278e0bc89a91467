// Argument parsing and the numbered input files of a bench data directory, for the floors
// benches (the stage timer is floor_timer.h).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/vips_runtime.h"

namespace floors {

inline volatile uint64_t g_sink = 0;

struct Args {
  std::vector<std::string> paths;  // DIR/img_0.EXT, img_1.EXT, ... while they exist, up to FILES
  double seconds = 0.5;            // per stage
};

// Parses `name DIR [FILES] [SECONDS_PER_STAGE]`, starts libvips and lists the files. False
// (with a message printed) when the bench cannot run.
inline bool parse_args(int argc, char** argv, const char* name, const char* ext, size_t default_files, Args& a) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [FILES] [SECONDS_PER_STAGE]\n", name);
    return false;
  }
  const std::string dir = argv[1];
  const size_t want = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : default_files;
  a.seconds = argc > 3 ? std::strtod(argv[3], nullptr) : 0.5;
  std::string error;
  if (!tl::vips_runtime_init(&error)) {
    std::fprintf(stderr, "libvips: %s\n", error.c_str());
    return false;
  }
  for (size_t i = 0; i < want; ++i) {
    const std::string p = dir + "/img_" + std::to_string(i) + ext;
    if (!std::filesystem::exists(p)) break;
    a.paths.push_back(p);
  }
  if (a.paths.empty()) {
    std::fprintf(stderr, "no img_N%s files in %s\n", ext, dir.c_str());
    return false;
  }
  return true;
}

}  // namespace floors
