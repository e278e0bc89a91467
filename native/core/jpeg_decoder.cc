#include "core/jpeg_decoder.h"

#include <algorithm>
#include <climits>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>

namespace tl {
namespace {

// Everything libjpeg's callbacks reach. The setjmp functions below hold no C++ object with a
// destructor, so the longjmp out of error_exit skips nothing.
struct JpegContext {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr jerr;
  jpeg_progress_mgr progress;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  FailOn fail_on;
  int max_scans;
  bool truncated;
};

JpegContext* context_of(j_common_ptr cinfo) { return static_cast<JpegContext*>(cinfo->client_data); }

// libjpeg's message strings, as its jerror.c builds them: jerror.h read again with JMESSAGE
// defined lists them in code order.
// (Two of them name macros of libjpeg's private jversion.h.)
#define JCOPYRIGHT_SHORT "libjpeg-turbo"
#define JVERSION "libjpeg-turbo " LIBJPEG_TURBO_VERSION_STR
#define LIBJPEG_TURBO_VERSION_STR "(static)"
#define JMESSAGE(code, string) string,
const char* const kMessages[] = {
#include <jerror.h>
    nullptr};
#undef JCOPYRIGHT_SHORT
#undef JVERSION
#undef LIBJPEG_TURBO_VERSION_STR

// Our stand-in for jpeg_std_error (jerror.c is never linked: Debian's libjpeg.a builds it
// without -fPIC, its reference to stderr cannot go into a shared object, and nothing here
// prints anyway). format_message is jerror.c's, without the printing.
void format_message(j_common_ptr cinfo, char* buffer) {
  const jpeg_error_mgr* err = cinfo->err;
  const int code = err->msg_code;
  const char* text = code > 0 && code <= err->last_jpeg_message ? err->jpeg_message_table[code] : nullptr;
  if (text == nullptr) {
    std::snprintf(buffer, JMSG_LENGTH_MAX, "libjpeg error %d", code);
    return;
  }
  const bool is_string = std::strstr(text, "%s") != nullptr;
  const auto& p = err->msg_parm;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  if (is_string) {
    std::snprintf(buffer, JMSG_LENGTH_MAX, text, p.s);
  } else {
    std::snprintf(buffer, JMSG_LENGTH_MAX, text, p.i[0], p.i[1], p.i[2], p.i[3], p.i[4], p.i[5], p.i[6], p.i[7]);
  }
#pragma GCC diagnostic pop
}
void output_message(j_common_ptr) {}
void reset_error_mgr(j_common_ptr cinfo) {
  cinfo->err->num_warnings = 0;
  cinfo->err->msg_code = 0;
}

[[noreturn]] void on_error(j_common_ptr cinfo) {
  JpegContext* c = context_of(cinfo);
  (*cinfo->err->format_message)(cinfo, c->message);
  std::longjmp(c->jump, 1);
}

// Warnings (msg_level -1) fail the item under fail_on as libvips applies it: premature end of
// data from 'truncated' on, any other warning under 'warning'. Trace messages are dropped.
void on_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;
  JpegContext* c = context_of(cinfo);
  const bool eof = cinfo->err->msg_code == JWRN_JPEG_EOF;
  if (eof) c->truncated = true;
  const bool fail = eof ? c->fail_on != FailOn::kNone : c->fail_on == FailOn::kWarning;
  if (!fail) return;
  (*cinfo->err->format_message)(cinfo, c->message);
  std::longjmp(c->jump, 1);
}

void on_progress(j_common_ptr cinfo) {
  JpegContext* c = context_of(cinfo);
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > c->max_scans) {
    std::snprintf(c->message, sizeof c->message, "more than %d progressive scans", c->max_scans);
    std::longjmp(c->jump, 1);
  }
}

// Returns 0 with the header read, or -1 with c->message set.
int read_header(JpegContext* c, const uint8_t* data, size_t size) {
  c->cinfo.client_data = c;  // before create: its own errors reach on_error too
  if (setjmp(c->jump) != 0) return -1;
  jpeg_create_decompress(&c->cinfo);
  c->cinfo.progress = &c->progress;
  jpeg_mem_src(&c->cinfo, data, static_cast<unsigned long>(size));
  jpeg_save_markers(&c->cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&c->cinfo, TRUE);
  return 0;
}

// Applies the scale and computes the output size. Returns 0, or -1 with c->message set.
int set_scale(JpegContext* c, int scale_num, J_COLOR_SPACE out) {
  if (setjmp(c->jump) != 0) return -1;
  c->cinfo.scale_num = static_cast<unsigned int>(scale_num);
  c->cinfo.scale_denom = 8;
  c->cinfo.out_color_space = out;
  jpeg_calc_output_dimensions(&c->cinfo);
  return 0;
}

// Decodes every row into `out` (output_height rows of `stride` bytes). 0, or -1 with
// c->message set.
int read_pixels(JpegContext* c, uint8_t* out, size_t stride) {
  if (setjmp(c->jump) != 0) return -1;
  jpeg_start_decompress(&c->cinfo);
  while (c->cinfo.output_scanline < c->cinfo.output_height) {
    JSAMPROW row = out + static_cast<size_t>(c->cinfo.output_scanline) * stride;
    jpeg_read_scanlines(&c->cinfo, &row, 1);
  }
  return 0;
}

// Destroys the decompressor whatever state an error left it in (jpeg_destroy is a no-op on a
// zeroed struct that was never created).
struct ContextGuard {
  JpegContext& c;
  ~ContextGuard() { jpeg_destroy_decompress(&c.cinfo); }
};

uint16_t get16(const uint8_t* p, bool le) {
  return le ? static_cast<uint16_t>(p[0] | p[1] << 8) : static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p, bool le) {
  return le ? (static_cast<uint32_t>(get16(p + 2, le)) << 16 | get16(p, le))
            : (static_cast<uint32_t>(get16(p, le)) << 16 | get16(p + 2, le));
}

// The EXIF orientation (tag 0x0112 of IFD0) of an APP1 payload, 1 when there is none.
int exif_orientation(const uint8_t* p, size_t n) {
  if (n < 14 || std::memcmp(p, "Exif\0\0", 6) != 0) return 1;
  const uint8_t* t = p + 6;
  const size_t tn = n - 6;
  const bool le = t[0] == 'I' && t[1] == 'I';
  if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
  const uint32_t ifd = get32(t + 4, le);
  if (ifd > tn || tn - ifd < 2) return 1;
  const unsigned count = get16(t + ifd, le);
  for (unsigned i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + static_cast<size_t>(i) * 12;
    if (e + 12 > tn) return 1;
    if (get16(t + e, le) == 0x0112 && get16(t + e + 2, le) == 3) {
      const int v = get16(t + e + 8, le);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

int orientation_of(const jpeg_decompress_struct& cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m != nullptr; m = m->next) {
    if (m->marker == JPEG_APP0 + 1) {
      const int o = exif_orientation(m->data, m->data_length);
      if (o != 1) return o;
    }
  }
  return 1;
}

ItemStatus decode_error(const char* step, const JpegContext& c) {
  return ItemStatus::error(Code::kDecode, std::string(step) + ": " + c.message);
}

}  // namespace

int jpeg_scale_for(int width, int height, double need_w, double need_h) {
  for (int m = 1; m < 8; m *= 2) {
    // libjpeg's scaled size: ceil(size * m / 8).
    const double sw = static_cast<double>((static_cast<int64_t>(width) * m + 7) / 8);
    const double sh = static_cast<double>((static_cast<int64_t>(height) * m + 7) / 8);
    if (sw >= need_w && sh >= need_h) return m;
  }
  return 8;
}

ItemStatus decode_jpeg_impl(const uint8_t* data, size_t size, const JpegLimits& limits,
                            int (*choose)(void* ctx, int width, int height), void* ctx, std::vector<uint8_t>& pixels,
                            JpegImage& image, bool* handled) {
  *handled = false;
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) return {};
  JpegContext c;
  std::memset(static_cast<void*>(&c), 0, sizeof c);
  ContextGuard guard{c};
  c.cinfo.err = &c.jerr;
  c.jerr.error_exit = on_error;
  c.jerr.emit_message = on_message;
  c.jerr.output_message = output_message;
  c.jerr.format_message = format_message;
  c.jerr.reset_error_mgr = reset_error_mgr;
  c.jerr.jpeg_message_table = kMessages;
  c.jerr.last_jpeg_message = static_cast<int>(JMSG_LASTMSGCODE) - 1;
  c.progress.progress_monitor = on_progress;
  c.fail_on = limits.fail_on;
  c.max_scans = limits.max_scans;
  // A file libjpeg cannot even parse the header of goes to libvips too, whose error (or
  // loader) is the pipeline's usual one.
  if (read_header(&c, data, size) != 0) return {};
  jpeg_decompress_struct& ci = c.cinfo;
  const J_COLOR_SPACE in = ci.jpeg_color_space;
  const bool grey = in == JCS_GRAYSCALE && ci.num_components == 1;
  const bool colour = (in == JCS_YCbCr || in == JCS_RGB) && ci.num_components == 3;
  if ((!grey && !colour) || ci.data_precision != 8) return {};
  if (limits.autorotate && orientation_of(ci) != 1) return {};
  *handled = true;

  const auto sw = static_cast<uint64_t>(ci.image_width);
  const auto sh = static_cast<uint64_t>(ci.image_height);
  const std::string dims = std::to_string(sw) + "x" + std::to_string(sh);
  if (sw * sh > limits.max_pixels) {
    return ItemStatus::error(Code::kTooLarge, "image is " + dims + " = " + std::to_string(sw * sh) +
                                                  " pixels, over maxPixels " + std::to_string(limits.max_pixels));
  }
  // The cap is checked on the file's own size, as libvips' header check does (a reduced scale
  // needs less, but which files an item refuses does not depend on its output size).
  const int channels = grey ? 1 : 3;
  const uint64_t converted = limits.out_channels > 0 && limits.out_channels != channels ? static_cast<uint64_t>(limits.out_channels) : 0;
  uint64_t bytes = sw * sh * (static_cast<uint64_t>(channels) + converted);
  // A progressive file keeps every DCT coefficient of the image until its last scan: 64
  // coefficients of 2 bytes per block and component.
  uint64_t coefficients = 0;
  for (int i = 0; i < ci.num_components; ++i) {
    coefficients += static_cast<uint64_t>(ci.comp_info[i].width_in_blocks) * ci.comp_info[i].height_in_blocks * 128u;
  }
  if (ci.progressive_mode) bytes += coefficients;
  if (bytes > limits.max_bytes) {
    return ItemStatus::error(Code::kTooLarge, "image is " + dims + " with " + std::to_string(channels) +
                                                  " bands: decoding needs " + std::to_string(bytes) +
                                                  " bytes, over this item's memory cap of " +
                                                  std::to_string(limits.max_bytes) +
                                                  " (maxItemBytes, or the loader's memoryBudget / threads)");
  }
  // libjpeg's own allocations (coefficient buffers of multi-scan files included) stay under the
  // cap too: beyond it, it asks for a backing store, which this build does not have (an error).
  const uint64_t libjpeg_cap = limits.max_bytes - (bytes - (ci.progressive_mode ? coefficients : 0));
  ci.mem->max_memory_to_use = static_cast<long>(std::min<uint64_t>(libjpeg_cap, static_cast<uint64_t>(LONG_MAX)));
  const int scale = std::max(1, std::min(8, choose(ctx, static_cast<int>(sw), static_cast<int>(sh))));
  if (set_scale(&c, scale, grey ? JCS_GRAYSCALE : JCS_RGB) != 0) return decode_error("cannot read the JPEG", c);
  const auto w = static_cast<uint64_t>(ci.output_width);
  const auto h = static_cast<uint64_t>(ci.output_height);

  const size_t stride = static_cast<size_t>(w) * static_cast<size_t>(channels);
  pixels.resize(stride * static_cast<size_t>(h));
  if (read_pixels(&c, pixels.data(), stride) != 0) return decode_error("cannot decode the JPEG", c);
  image.width = static_cast<int>(w);
  image.height = static_cast<int>(h);
  image.channels = channels;
  image.src_width = static_cast<int>(sw);
  image.src_height = static_cast<int>(sh);
  image.scale_num = scale;
  return {};
}

}  // namespace tl
