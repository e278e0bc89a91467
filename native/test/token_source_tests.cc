// Tests of core/token_source: (x, y) windows equal the file's tokens at their offsets, offsets
// stay inside the file for every (seed, epoch, index), files and options that cannot give a
// window are refused, and a token that does not fit the output type is an error, not a wrap.
#include "core/token_source.h"

#include "test/test_util.h"

namespace {

template <typename T>
std::string token_file(const std::vector<T>& tokens) {
  return std::string(reinterpret_cast<const char*>(tokens.data()), tokens.size() * sizeof(T));
}

std::vector<uint16_t> ramp16(size_t n) {
  std::vector<uint16_t> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = static_cast<uint16_t>((i * 2654435761u) % 50257);
  return t;
}

tl::TokenOptions opts(size_t block, bool random, size_t token_bytes = 2, size_t out_bytes = 4, size_t length = 0, uint32_t seed = 0) {
  tl::TokenOptions o;
  o.block = block;
  o.random = random;
  o.token_bytes = token_bytes;
  o.out_bytes = out_bytes;
  o.length = length;
  o.seed = seed;
  return o;
}

// Fills window `index` of `epoch` and checks x = tokens[o, o + B) and y = tokens[o + 1, o + 1 + B).
template <typename Out, typename In>
bool window_matches(const tl::TokenSource& src, const std::vector<In>& tokens, uint32_t index, uint32_t epoch) {
  const size_t block = src.field_bytes(0) / sizeof(Out);
  std::vector<Out> x(block), y(block);
  uint8_t* dsts[2] = {reinterpret_cast<uint8_t*>(x.data()), reinterpret_cast<uint8_t*>(y.data())};
  tl::WorkerScratch scratch;
  if (!src.fill_fields(tl::ItemRef{index, epoch}, dsts, scratch).ok()) return false;
  const size_t o = src.offset(index, epoch);
  if (o + block + 1 > tokens.size()) return false;
  for (size_t k = 0; k < block; ++k) {
    if (x[k] != static_cast<Out>(tokens[o + k]) || y[k] != static_cast<Out>(tokens[o + 1 + k])) return false;
  }
  return true;
}

}  // namespace

TEST_CASE(token_sequential_windows_are_side_by_side) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const auto tokens = ramp16(1001);
  CHECK(write_file(dir.file("train.bin"), token_file(tokens)));
  {
    tl::TokenSource src(dir.file("train.bin"), opts(10, false));
    CHECK_EQ(src.status().code, tl::Code::kOk);
    CHECK_EQ(src.tokens(), size_t{1001});
    CHECK_EQ(src.length(), size_t{100});  // (1001 - 1) / 10: the last y ends at token 1000
    CHECK_EQ(src.field_count(), size_t{2});
    CHECK_EQ(src.item_bytes(), size_t{80});
    for (uint32_t i = 0; i < 100; ++i) {
      CHECK_EQ(src.offset(i, 0), size_t{i} * 10);
      CHECK_EQ(src.offset(i, 7), size_t{i} * 10);  // the same every epoch
      CHECK_MSG((window_matches<int32_t>(src, tokens, i, 3)), "window " + std::to_string(i));
    }
    tl::WorkerScratch scratch;
    std::vector<uint8_t> out(80);
    CHECK_EQ(src.fill(tl::ItemRef{100, 0}, out.data(), scratch).code, tl::Code::kNotFound);
    // fill() writes x then y into one buffer.
    CHECK(src.fill(tl::ItemRef{99, 0}, out.data(), scratch).ok());
    int32_t last_y = 0;
    std::memcpy(&last_y, out.data() + 80 - 4, 4);
    CHECK_EQ(last_y, static_cast<int32_t>(tokens[1000]));
    // int64 output, and a shorter epoch.
    tl::TokenSource wide(dir.file("train.bin"), opts(10, false, 2, 8, 40));
    CHECK_EQ(wide.length(), size_t{40});
    CHECK((window_matches<int64_t>(wide, tokens, 39, 0)));
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(token_random_offsets_stay_in_bounds_and_follow_the_seed) {
  TempDir dir;
  // The smallest file a block fits: block + 1 tokens, one possible offset.
  const auto tight = ramp16(17);
  CHECK(write_file(dir.file("tight.bin"), token_file(tight)));
  tl::TokenSource one(dir.file("tight.bin"), opts(16, true, 2, 4, 50, 9));
  CHECK_EQ(one.status().code, tl::Code::kOk);
  CHECK_EQ(one.length(), size_t{50});
  for (uint32_t i = 0; i < 50; ++i) {
    CHECK_EQ(one.offset(i, i % 3), size_t{0});
    CHECK((window_matches<int32_t>(one, tight, i, i % 3)));
  }

  const auto tokens = ramp16(300);
  CHECK(write_file(dir.file("train.bin"), token_file(tokens)));
  tl::TokenSource a(dir.file("train.bin"), opts(32, true, 2, 4, 1000, 7));
  tl::TokenSource b(dir.file("train.bin"), opts(32, true, 2, 4, 1000, 7));
  tl::TokenSource other_seed(dir.file("train.bin"), opts(32, true, 2, 4, 1000, 8));
  CHECK_EQ(a.length(), size_t{1000});
  size_t lowest = SIZE_MAX, highest = 0, same_seed = 0, same_other_seed = 0, same_other_epoch = 0;
  for (uint32_t i = 0; i < 1000; ++i) {
    const size_t o = a.offset(i, 0);
    lowest = std::min(lowest, o);
    highest = std::max(highest, o);
    same_seed += o == b.offset(i, 0);
    same_other_seed += o == other_seed.offset(i, 0);
    same_other_epoch += o == a.offset(i, 1);
    if (i % 50 == 0) CHECK((window_matches<int32_t>(a, tokens, i, 0)));
  }
  // Offsets cover [0, tokens - block - 1] (268 of them) and never pass it.
  CHECK_EQ(highest, size_t{300 - 32 - 1});
  CHECK_EQ(lowest, size_t{0});
  CHECK_EQ(same_seed, size_t{1000});
  CHECK_MSG(same_other_seed < 30, std::to_string(same_other_seed));
  CHECK_MSG(same_other_epoch < 30, std::to_string(same_other_epoch));
}

TEST_CASE(token_hostile_files_and_options_are_refused) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const auto tokens = ramp16(64);
  CHECK(write_file(dir.file("t.bin"), token_file(tokens)));
  CHECK(write_file(dir.file("odd.bin"), token_file(tokens).substr(0, 127)));
  CHECK(write_file(dir.file("empty.bin"), ""));
  auto status = [&](const std::string& name, tl::TokenOptions o) {
    tl::TokenSource src(dir.file(name), o);
    return src.status();
  };
  tl::ItemStatus s = status("odd.bin", opts(8, true));
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_MSG(s.message.find("wrong dtype") != std::string::npos, s.message);
  // 128 bytes as uint32 tokens are 32 of them: no trouble; as 63 tokens + 1 byte, refused above.
  CHECK_EQ(status("t.bin", opts(8, true, 4)).code, tl::Code::kOk);
  s = status("t.bin", opts(64, true));  // 64 tokens cannot hold a window of 64 and its target
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_EQ(status("t.bin", opts(63, true)).code, tl::Code::kOk);
  s = status("t.bin", opts(8, false, 2, 4, 8));  // (64 - 1) / 8 = 7 side by side
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_EQ(status("t.bin", opts(8, false, 2, 4, 7)).code, tl::Code::kOk);
  CHECK_EQ(status("t.bin", opts(0, true)).code, tl::Code::kFormat);
  CHECK_EQ(status("t.bin", opts(8, true, 3)).code, tl::Code::kFormat);
  CHECK_EQ(status("t.bin", opts(8, true, 2, 2)).code, tl::Code::kFormat);
  CHECK_EQ(status("empty.bin", opts(8, true)).code, tl::Code::kEmpty);
  CHECK_EQ(status("absent.bin", opts(8, true)).code, tl::Code::kNotFound);
  CHECK_EQ(status("", opts(8, true)).code, tl::Code::kNotRegular);  // the folder itself
  {
    // A failed source fills nothing.
    tl::TokenSource bad(dir.file("odd.bin"), opts(8, true));
    CHECK_EQ(bad.length(), size_t{0});
    tl::WorkerScratch scratch;
    std::vector<uint8_t> out(64);
    CHECK_EQ(bad.fill(tl::ItemRef{0, 0}, out.data(), scratch).code, tl::Code::kCount);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(token_uint32_past_int32_is_an_error_not_a_wrap) {
  TempDir dir;
  std::vector<uint32_t> tokens(33);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<uint32_t>(i * 1000);
  tokens[20] = 0x80000000u;  // one past INT32_MAX
  CHECK(write_file(dir.file("t32.bin"), token_file(tokens)));
  tl::TokenSource narrow(dir.file("t32.bin"), opts(8, false, 4, 4));
  CHECK_EQ(narrow.length(), size_t{4});
  tl::WorkerScratch scratch;
  std::vector<int32_t> out(16);
  // Windows 0 and 1 (tokens 0..16) fit; window 2 holds token 20 (as y's last too).
  CHECK(narrow.fill(tl::ItemRef{1, 0}, reinterpret_cast<uint8_t*>(out.data()), scratch).ok());
  const tl::ItemStatus s = narrow.fill(tl::ItemRef{2, 0}, reinterpret_cast<uint8_t*>(out.data()), scratch);
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_MSG(s.message.find("does not fit in int32") != std::string::npos, s.message);
  tl::TokenSource wide(dir.file("t32.bin"), opts(8, false, 4, 8));
  CHECK((window_matches<int64_t>(wide, tokens, 2, 0)));
}

TEST_CASE(token_truncated_while_mapped_fails_windows_not_process) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string path = dir.file("t.bin");
  const auto tokens = ramp16(8 * kPage / 2);  // 8 pages of uint16 tokens
  CHECK(write_file(path, token_file(tokens)));
  {
    tl::TokenSource src(path, opts(1024, false));  // 2 KiB windows, 2 per page
    CHECK_EQ(src.status().code, tl::Code::kOk);
    CHECK_EQ(::truncate(path.c_str(), 2 * kPage), 0);
    tl::WorkerScratch scratch;
    std::vector<uint8_t> out(src.item_bytes());
    // Windows 0..2 (bytes 0..6146) are inside the 8192 left; window 3's y ends at byte 8194.
    for (uint32_t i = 0; i < 3; ++i) CHECK(src.fill(tl::ItemRef{i, 0}, out.data(), scratch).ok());
    for (uint32_t i = 3; i < src.length(); ++i) {
      const tl::ItemStatus s = src.fill(tl::ItemRef{i, 0}, out.data(), scratch);
      CHECK_MSG(s.code == tl::Code::kShrunk, describe_status(s));
    }
  }
  CHECK_COUNTERS_EQ(before);
}
