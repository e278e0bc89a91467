// Tests of core/field_decoder: what each decoder accepts and refuses, and decode_record on
// ordinary and mapped views.
#include "core/field_decoder.h"
#include "core/image_pipeline.h"
#include "core/record_source.h"
#include "test/test_util.h"

namespace {

// One record per entry of `records`, in ordinary memory or (mapped = true) as if mapped.
class MemoryRecords final : public tl::RecordReader {
 public:
  MemoryRecords(std::vector<std::string> records, bool mapped, size_t claim = 1)
      : records_(std::move(records)), mapped_(mapped), claim_(claim) {}
  size_t claim_hint() const override { return claim_; }
  size_t length() const override { return records_.size(); }
  tl::ItemStatus read(const tl::ItemRef& item, tl::WorkerScratch&, tl::RecordView* fields) const override {
    const std::string& r = records_[item.index];
    fields[0] = tl::RecordView{r.data(), r.size(), mapped_, 100 + item.index};
    return {};
  }
  std::string describe(size_t index) const override { return "record " + std::to_string(index); }

 private:
  std::vector<std::string> records_;
  bool mapped_;
  size_t claim_;
};

std::string float_bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

}  // namespace

TEST_CASE(field_decoder_raw_copy_checks_the_size) {
  for (bool mapped : {false, true}) {
    auto reader = std::make_shared<MemoryRecords>(std::vector<std::string>{float_bytes({1, 2, 3}), "short"}, mapped);
    tl::RecordSource source(reader, {tl::FieldOutput{0, std::make_shared<tl::RawCopyDecoder>(12)}});
    CHECK_EQ(source.item_bytes(), size_t{12});
    std::vector<float> out(4, -1.0f);
    tl::WorkerScratch scratch;
    CHECK(source.fill({0, 0}, reinterpret_cast<uint8_t*>(out.data()), scratch).ok());
    CHECK_EQ(out[2], 3.0f);
    CHECK_EQ(out[3], -1.0f);
    const tl::ItemStatus s = source.fill({1, 0}, reinterpret_cast<uint8_t*>(out.data()), scratch);
    CHECK_EQ(s.code, tl::Code::kFormat);
    CHECK_EQ(out[0], 1.0f);  // a refused record writes nothing
    CHECK_EQ(source.fill({2, 0}, reinterpret_cast<uint8_t*>(out.data()), scratch).code, tl::Code::kNotFound);
  }
}

TEST_CASE(field_decoder_text_and_pixels) {
  tl::TextDecoder text(3);
  std::vector<float> out(3);
  const std::string t = "[1 2.5 -3]";
  CHECK(text.decode(t.data(), t.size(), {}, reinterpret_cast<uint8_t*>(out.data())).ok());
  CHECK_EQ(out[1], 2.5f);
  CHECK_EQ(text.decode("1 2", 3, {}, reinterpret_cast<uint8_t*>(out.data())).code, tl::Code::kCount);

  tl::ImageOptions o;
  o.height = 1;
  o.width = 2;
  o.channels = 1;
  o.dtype = tl::OutType::kFloat32;
  o.scale = 1.0f;
  tl::PixelConvertDecoder pixels(o);
  CHECK_EQ(pixels.out_bytes(), size_t{8});
  const char raw[2] = {7, 9};
  CHECK(pixels.decode(raw, 2, {}, reinterpret_cast<uint8_t*>(out.data())).ok());
  CHECK_EQ(out[0], 7.0f);
  CHECK_EQ(out[1], 9.0f);
  CHECK_EQ(pixels.decode(raw, 1, {}, reinterpret_cast<uint8_t*>(out.data())).code, tl::Code::kFormat);
}

TEST_CASE(field_decoder_npy_file_takes_only_its_dtype_and_shape) {
  // A whole .npy file as one record (a WebDataset member): '<f4' (2, 2) exactly.
  std::string file = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 0);
  file += float_bytes({1, 2, 3, 4});
  tl::NpyFileDecoder decoder(tl::NpyType::kFloat32, {2, 2});
  CHECK_EQ(decoder.out_bytes(), size_t{16});
  std::vector<float> out(4);
  tl::ItemStatus s = decoder.decode(file.data(), file.size(), {}, reinterpret_cast<uint8_t*>(out.data()));
  CHECK_MSG(s.ok(), s.message);
  CHECK_EQ(out[3], 4.0f);
  // Another shape or dtype is refused, never followed: the header cannot ask for more bytes.
  tl::NpyFileDecoder wider(tl::NpyType::kFloat32, {2, 3});
  CHECK_EQ(wider.decode(file.data(), file.size(), {}, reinterpret_cast<uint8_t*>(out.data())).code, tl::Code::kFormat);
  tl::NpyFileDecoder doubles(tl::NpyType::kFloat64, {2, 2});
  CHECK_EQ(doubles.decode(file.data(), file.size(), {}, reinterpret_cast<uint8_t*>(out.data())).code, tl::Code::kFormat);
  // A cut file is the header's error.
  CHECK(!decoder.decode(file.data(), file.size() - 1, {}, reinterpret_cast<uint8_t*>(out.data())).ok());
  CHECK(!decoder.decode("not npy", 7, {}, reinterpret_cast<uint8_t*>(out.data())).ok());
}

TEST_CASE(record_source_claims_many_cheap_items_and_one_slow_one) {
  auto reader = std::make_shared<MemoryRecords>(std::vector<std::string>{"x"}, false, tl::kMaxClaim);
  tl::RecordSource copies(reader, {tl::FieldOutput{0, std::make_shared<tl::RawCopyDecoder>(1)}});
  CHECK_EQ(copies.claim_size(), tl::kMaxClaim);
  tl::ImageOptions o;
  tl::RecordSource images(reader, {tl::FieldOutput{0, std::make_shared<tl::RawCopyDecoder>(1)},
                                   tl::FieldOutput{0, std::make_shared<tl::ImagePipeline>(o)}});
  CHECK_EQ(images.claim_size(), size_t{1});
  CHECK_EQ(images.field_count(), size_t{2});
  CHECK_EQ(images.field_bytes(1), size_t{224 * 224 * 3 * 4});
  CHECK_EQ(images.item_bytes(), size_t{1 + 224 * 224 * 3 * 4});
}
