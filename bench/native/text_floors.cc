// The floors of one Example 1 item (a numpy-style text file of 10 floats -> 10 float32), per
// item on one core: open + read + close of the file (page cache warm), the parse alone, and
// both together as a pool thread does them. Prints one JSON line (microseconds per item) for
// bench/run.ts. The loader cannot beat cores / (read + parse) items per second.
//   tl_text_floors DIR [FILES] [SECONDS_PER_STAGE]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/file_reader.h"
#include "core/text_parser.h"
#include "floor_timer.h"

namespace {
volatile float g_sink = 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tl_text_floors DIR [FILES] [SECONDS_PER_STAGE]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const size_t want = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2000;
  const double seconds = argc > 3 ? std::strtod(argv[3], nullptr) : 0.5;
  std::vector<std::string> paths;
  for (size_t i = 0; i < want; ++i) {
    const std::string p = dir + "/data_" + std::to_string(i) + ".txt";
    if (!std::filesystem::exists(p)) break;
    paths.push_back(p);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "no data_N.txt files in %s\n", dir.c_str());
    return 1;
  }
  const size_t n = paths.size();
  tl::ReadOptions ro;
  std::vector<char> buffer;
  std::vector<std::string> texts(n);
  for (size_t i = 0; i < n; ++i) {
    tl::FileBytes fb;
    if (!tl::read_whole_file(paths[i].c_str(), buffer, ro, fb).ok()) return 1;
    texts[i].assign(fb.data(), fb.size());
  }
  float out[10];
  const double read_us = tl_bench::per_item_us(n, seconds, [&](size_t i) {
    tl::FileBytes fb;
    (void)tl::read_whole_file(paths[i].c_str(), buffer, ro, fb);
    g_sink = g_sink + static_cast<float>(fb.size());
  });
  const double parse_us = tl_bench::per_item_us(n, seconds, [&](size_t i) {
    (void)tl::parse_floats(texts[i].data(), texts[i].size(), out, 10);
    g_sink = g_sink + out[3];
  });
  const double item_us = tl_bench::per_item_us(n, seconds, [&](size_t i) {
    tl::FileBytes fb;
    if (tl::read_whole_file(paths[i].c_str(), buffer, ro, fb).ok()) (void)tl::parse_floats(fb.data(), fb.size(), out, 10);
    g_sink = g_sink + out[3];
  });
  std::printf("{\"files\":%zu,\"readUs\":%.3f,\"parseUs\":%.3f,\"itemUs\":%.3f}\n", n, read_us, parse_us, item_us);
  return 0;
}
