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

// The header is the Python literal numpy's reader evaluates: what ast.literal_eval + numpy's
// key/type checks accept is read, what they refuse is refused (EFORMAT), whatever the bytes
// look like to a substring search.
TEST_CASE(npy_header_is_parsed_as_a_python_literal) {
  struct Row {
    const char* dict;
    bool ok;
    const char* why;  // a part of the error message when refused
  };
  const Row rows[] = {
      // as numpy writes it, and spellings ast.literal_eval accepts
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", true, ""},
      {"{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}", true, ""},
      {"{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", true, ""},
      {"{'descr':'<f4','fortran_order':False,'shape':(1,2,)}", true, ""},
      {"{'descr': '<f4',\n 'fortran_order': False,\n 'shape': ( 2 , 1 )}", true, ""},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ((2)) * 0 + (2,)}", false, "expected ','"},
      // a 'descr' substring inside another value is not the descr
      {"{'shape': (2,), 'fortran_order': False, 'x': \"'descr': '<f4'\"}", false, "unexpected key 'x'"},
      {"{'fortran_order': False, 'shape': (2,), 'note': {'descr': '<f4'}}", false, "unexpected key"},
      {"{'descr ': '<f4', 'fortran_order': False, 'shape': (2,)}", false, "unexpected key"},
      // missing, duplicate and extra keys
      {"{'fortran_order': False, 'shape': (2,)}", false, "no 'descr'"},
      {"{'descr': '<f4', 'shape': (2,)}", false, "no 'fortran_order'"},
      {"{'descr': '<f4', 'fortran_order': False}", false, "no 'shape'"},
      {"{'descr': '|u1', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", false, "duplicate key"},
      {"{'descr': '<f4', 'fortran_order': True, 'fortran_order': False, 'shape': (2,)}", false, "duplicate key"},
      // booleans spelled otherwise
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}", false, "not a Python literal"},
      {"{'descr': '<f4', 'fortran_order': FALSE, 'shape': (2,)}", false, "not a Python literal"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}", false, "not a Python literal"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", false, "neither True nor False"},
      {"{'descr': '<f4', 'fortran_order': 'False', 'shape': (2,)}", false, "neither True nor False"},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}", false, "Fortran order"},
      // malformed tuples and dimensions
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2}", false, "expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,)}", false, "not a Python literal"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (,2)}", false, "not a Python literal"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 2)}", false, "expected ','"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", false, "'shape' is not a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", false, "'shape' is not a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}", false, "not a decimal integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (0x2,)}", false, "not a decimal integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (02,)}", false, "leading zero"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", false, "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (True,)}", false, "not an integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ('2',)}", false, "not an integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", false, "overflows 64 bits"},
      // descr that is not a plain string
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", false, "not a string"},
      {"{'descr': '<' 'f4', 'fortran_order': False, 'shape': (2,)}", false, "adjacent strings"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", false, "expected ','"},
      // trailing garbage, unterminated or not a dict at all
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", false, "trailing characters"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}}", false, "trailing characters"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", false, "expected ',' or '}'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,),, }", false, "a dict key that is not a string"},
      {"('descr', '<f4')", false, "not a dict"},
      {"{'descr': '<f4\n', 'fortran_order': False, 'shape': (2,)}", false, "newline inside a string"},
      {"", false, "ends where a value should be"},
      {"((((((((((((((((((((2,),),),),),),),),),),),),),),),),),),),)", false, "nested too deeply"},
  };
  for (const Row& r : rows) {
    tl::NpyHeader h;
    const std::string f = npy(r.dict, 8);
    const tl::ItemStatus s = tl::parse_npy_header(f.data(), f.size(), h);
    if (r.ok) {
      CHECK_MSG(s.ok(), std::string(r.dict) + " -> " + s.message);
      CHECK_EQ(h.data_bytes, uint64_t{8});
      CHECK_EQ(h.descr, std::string("<f4"));
    } else {
      CHECK_MSG(s.code == tl::Code::kFormat, std::string(r.dict) + " was accepted or gave " + tl::code_name(s.code));
      CHECK_MSG(s.message.find(r.why) != std::string::npos, std::string(r.dict) + " -> " + s.message);
      CHECK(s.offset >= 0 && s.offset <= static_cast<int64_t>(f.size()));
    }
  }
}
