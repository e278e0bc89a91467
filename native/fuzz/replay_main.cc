// Replays inputs through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer: each file
// argument, and every file under each directory argument (recursively, sorted, dotfiles such
// as .gitkeep skipped), is read into an exact-size heap buffer and passed in once. Linked with
// each native/fuzz/<target>_fuzz.cc into <target>_replay for the TL_CORE_TESTS build, where
// ctest runs it over the seed and regression corpora under ASan + UBSan + LSan: a crash or a
// failed invariant aborts the process, so the test fails.
//
// Usage: <target>_replay PATH...   (exit 0 when every input ran; 1 when none was found)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

void collect(const fs::path& arg, std::vector<fs::path>& files) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file() && !hidden(it->path())) files.push_back(it->path());
    }
  } else if (fs::is_regular_file(arg, ec)) {
    files.push_back(arg);
  } else {
    std::printf("skipping %s (no such file or directory)\n", arg.string().c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) collect(argv[i], files);
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Exactly the file's size on the heap (an empty file passes a non-null zero-size block).
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    data.reserve(1);
    std::printf("replay %s (%zu bytes)\n", f.string().c_str(), data.size());
    std::fflush(stdout);
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  std::printf("%zu inputs replayed\n", files.size());
  return files.empty() ? 1 : 0;
}
