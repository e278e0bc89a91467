// Tests of core/npy_header.
#include "test/test_util.h"

TEST_CASE(npy_header_parses_and_validates) {
  tl::NpyHeader h;
  std::string f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 48);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kOk);
  CHECK_EQ(h.shape.size(), size_t{2});
  CHECK_EQ(h.data_bytes, uint64_t{48});
  CHECK_EQ(h.data_offset, f.size() - 48);
  CHECK_EQ(h.data_offset % 64, size_t{0});
  f = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", 5, 3);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kOk);
  CHECK(h.type == tl::NpyType::kUint8);
  // Hostile or broken headers: errors, never reads past the buffer.
  f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 47);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kDecode);  // data cut short
  f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", 0);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);  // overflow
  f = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  f = npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", 16);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  f = npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  f = npy("{'fortran_order': False, 'shape': (2,), }", 16);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,x), }", 16);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  std::string cut = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8).substr(0, 30);
  CHECK_EQ(tl::parse_npy_header(cut.data(), cut.size(), h).code, tl::Code::kDecode);  // header past the end
  std::string v9 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
  v9[6] = 9;
  CHECK_EQ(tl::parse_npy_header(v9.data(), v9.size(), h).code, tl::Code::kFormat);
  CHECK_EQ(tl::parse_npy_header("\x93NUMP", 7, h).code, tl::Code::kFormat);
}
