#include "core/tar_index.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tl {
namespace {

constexpr size_t kBlock = 512;

// Header field offsets and widths (POSIX ustar; GNU reuses the same first 345 bytes).
constexpr size_t kName = 0, kNameLen = 100;
constexpr size_t kSize = 124, kSizeLen = 12;
constexpr size_t kChecksum = 148, kChecksumLen = 8;
constexpr size_t kType = 156;
constexpr size_t kMagic = 257;
constexpr size_t kPrefix = 345, kPrefixLen = 155;

uint64_t padded(uint64_t size) { return (size + kBlock - 1) / kBlock * kBlock; }

std::string field_string(const char* p, size_t n) { return std::string(p, strnlen(p, n)); }

// A numeric header field: octal digits (leading spaces allowed, ended by space or NUL), or
// GNU's base-256 form (high bit of the first byte set). False for anything else, for a
// negative base-256 value and for values over 2^62 (no real member is that large, and it keeps
// offset arithmetic far from overflow).
bool parse_number(const char* p, size_t n, uint64_t& out) {
  constexpr uint64_t kMax = 1ULL << 62;
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  if (u[0] & 0x80) {
    if (u[0] == 0xff) return false;
    uint64_t v = u[0] & 0x7f;
    for (size_t i = 1; i < n; ++i) {
      if (v > (kMax >> 8)) return false;
      v = (v << 8) | u[i];
    }
    if (v > kMax) return false;
    out = v;
    return true;
  }
  size_t i = 0;
  while (i < n && p[i] == ' ') ++i;
  uint64_t v = 0;
  size_t digits = 0;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i, ++digits) {
    v = v * 8 + static_cast<uint64_t>(p[i] - '0');
    if (v > kMax) return false;
  }
  for (; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\0') return false;
  }
  if (digits == 0) return false;
  out = v;
  return true;
}

bool checksum_ok(const char* block) {
  uint64_t stored = 0;
  if (!parse_number(block + kChecksum, kChecksumLen, stored)) return false;
  // Old writers summed signed chars; both sums are accepted, as tar and Python's tarfile do.
  int64_t sum_unsigned = 0;
  int64_t sum_signed = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    const bool in_field = i >= kChecksum && i < kChecksum + kChecksumLen;
    sum_unsigned += in_field ? ' ' : static_cast<unsigned char>(block[i]);
    sum_signed += in_field ? ' ' : static_cast<signed char>(block[i]);
  }
  return static_cast<int64_t>(stored) == sum_unsigned || static_cast<int64_t>(stored) == sum_signed;
}

bool all_zero(const char* block) {
  for (size_t i = 0; i < kBlock; ++i) {
    if (block[i] != 0) return false;
  }
  return true;
}

// What PAX records set for the members they apply to.
struct PaxValues {
  bool has_path = false;
  std::string path;
  bool has_size = false;
  uint64_t size = 0;
};

// PAX records are "<length> <key>=<value>\n", the length counting the whole record.
ItemStatus parse_pax(const std::string& data, PaxValues& out) {
  size_t at = 0;
  while (at < data.size()) {
    if (data[at] == '\0') break;  // some writers pad the block with NULs
    size_t sp = at;
    uint64_t len = 0;
    while (sp < data.size() && data[sp] >= '0' && data[sp] <= '9' && sp - at < 20) {
      len = len * 10 + static_cast<uint64_t>(data[sp] - '0');
      ++sp;
    }
    if (sp == at || sp >= data.size() || data[sp] != ' ' || len <= sp - at + 1 || len > data.size() - at ||
        data[at + len - 1] != '\n') {
      return ItemStatus::error(Code::kFormat, "malformed PAX header record at byte " + std::to_string(at) + " of its data");
    }
    const std::string record = data.substr(sp + 1, at + len - 1 - (sp + 1));
    const size_t eq = record.find('=');
    if (eq == std::string::npos) return ItemStatus::error(Code::kFormat, "PAX header record without '='");
    const std::string key = record.substr(0, eq);
    const std::string value = record.substr(eq + 1);
    if (key == "path") {
      out.has_path = true;
      out.path = value;
    } else if (key == "size") {
      uint64_t v = 0;
      if (value.empty() || value.size() > 19 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return ItemStatus::error(Code::kFormat, "PAX size '" + value.substr(0, 40) + "' is not a decimal number");
      }
      for (char c : value) v = v * 10 + static_cast<uint64_t>(c - '0');
      if (v > (1ULL << 62)) return ItemStatus::error(Code::kFormat, "PAX size " + value + " is out of range");
      out.has_size = true;
      out.size = v;
    }
    at += len;
  }
  return {};
}

ItemStatus at_header(ItemStatus s, uint64_t offset, const std::string& name) {
  if (!name.empty()) s.message = name + ": " + s.message;
  s.offset = static_cast<int64_t>(offset);
  return s;
}

// Groups one kept member into the current sample or starts the next one.
ItemStatus add_member(const std::string& name, uint64_t offset, uint64_t size, const TarLimits& limits, uint64_t& name_bytes,
                      TarIndex& out) {
  std::string key;
  std::string ext;
  if (!tar_sample_key(name, key, ext)) {
    ++out.skipped;
    return {};
  }
  name_bytes += name.size() + key.size();
  if (name_bytes > limits.max_name_bytes) {
    return ItemStatus::error(Code::kTooLarge, "the member names exceed " + std::to_string(limits.max_name_bytes) + " bytes in all");
  }
  if (out.samples.empty() || out.samples.back().key != key) {
    TarSample sample;
    sample.key = std::move(key);
    sample.first_field = static_cast<uint32_t>(out.fields.size());
    out.samples.push_back(std::move(sample));
  }
  TarSample& sample = out.samples.back();
  for (uint32_t f = sample.first_field; f < sample.first_field + sample.field_count; ++f) {
    if (out.fields[f].ext == ext) {
      return ItemStatus::error(Code::kFormat, "sample '" + sample.key + "' has two members with extension '" + ext + "' (" +
                                                  out.fields[f].name + " and " + name + ")");
    }
  }
  out.fields.push_back(TarField{name, std::move(ext), offset, size});
  ++sample.field_count;
  return {};
}

}  // namespace

bool tar_sample_key(std::string_view name, std::string& key, std::string& ext) {
  const size_t slash = name.rfind('/');
  const size_t base = slash == std::string_view::npos ? 0 : slash + 1;
  if (name.compare(base, 2, "__") == 0) return false;
  const size_t dot = name.find('.', base);
  if (dot == std::string_view::npos || dot == base) return false;
  key.assign(name.substr(0, dot));
  ext.assign(name.substr(dot + 1));
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return true;
}

// One loop over the headers, keeping the state that extended headers carry to the next
// member; it reads as one sequence, so it stays one function.
ItemStatus scan_tar(const TarReadAt& read, uint64_t size, const TarLimits& limits, TarIndex& out) {
  out = TarIndex{};
  char block[kBlock];
  uint64_t at = 0;
  uint64_t name_bytes = 0;
  PaxValues global;
  PaxValues local;
  bool has_long_name = false;
  std::string long_name;
  bool ended = false;
  while (at < size) {
    if (size - at < kBlock) {
      return at_header(ItemStatus::error(Code::kTruncated, "the file ends inside a header (" + std::to_string(size - at) +
                                                                " of 512 bytes)"),
                       at, "");
    }
    ItemStatus s = read(at, kBlock, block);
    if (!s.ok()) return at_header(s, at, "");
    if (all_zero(block)) {  // end-of-archive marker; what follows is padding
      ended = true;
      break;
    }
    if (++out.members > limits.max_members) {
      return at_header(ItemStatus::error(Code::kTooLarge, "more than " + std::to_string(limits.max_members) + " members"), at, "");
    }
    std::string name = field_string(block + kName, kNameLen);
    if (!checksum_ok(block)) return at_header(ItemStatus::error(Code::kFormat, "bad header checksum"), at, name.substr(0, 100));
    const bool posix = std::memcmp(block + kMagic, "ustar\0" "00", 8) == 0;
    if (posix) {
      const std::string prefix = field_string(block + kPrefix, kPrefixLen);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    const char type = block[kType];
    uint64_t member_size = 0;
    if (!parse_number(block + kSize, kSizeLen, member_size)) {
      return at_header(ItemStatus::error(Code::kFormat, "invalid size field"), at, name);
    }
    const uint64_t data_at = at + kBlock;
    const bool extended = type == 'L' || type == 'K' || type == 'x' || type == 'g';
    if (extended) {
      if (member_size > limits.max_extended) {
        return at_header(ItemStatus::error(Code::kTooLarge, std::string("extended header '") + type + "' of " +
                                                                std::to_string(member_size) + " bytes, over the limit of " +
                                                                std::to_string(limits.max_extended)),
                         at, name);
      }
      if (member_size > size - data_at) {
        return at_header(ItemStatus::error(Code::kTruncated, "the file ends inside an extended header"), at, name);
      }
      std::string data(static_cast<size_t>(member_size), '\0');
      if (member_size > 0) {
        s = read(data_at, data.size(), data.data());
        if (!s.ok()) return at_header(s, at, name);
      }
      if (type == 'L') {
        has_long_name = true;
        long_name = data.substr(0, strnlen(data.data(), data.size()));
      } else if (type == 'x' || type == 'g') {
        s = parse_pax(data, type == 'g' ? global : local);
        if (!s.ok()) return at_header(s, at, name);
      }
      at = data_at + std::min(padded(member_size), size - data_at);
      continue;
    }
    // A real member: extended headers before it apply to it alone (global ones to all).
    if (local.has_path) {
      name = local.path;
    } else if (has_long_name) {
      name = long_name;
    } else if (global.has_path) {
      name = global.path;
    }
    if (local.has_size) {
      member_size = local.size;
    } else if (global.has_size) {
      member_size = global.size;
    }
    local = PaxValues{};
    has_long_name = false;
    long_name.clear();
    if (name.size() > limits.max_name) {
      return at_header(ItemStatus::error(Code::kTooLarge, "member name of " + std::to_string(name.size()) +
                                                              " bytes, over the limit of " + std::to_string(limits.max_name)),
                       at, name.substr(0, 100) + "...");
    }
    if (type == 'S') {
      return at_header(ItemStatus::error(Code::kFormat, "GNU sparse members are not supported"), at, name);
    }
    const bool old_directory = (type == '\0' || type == '0') && !name.empty() && name.back() == '/';
    const bool regular = (type == '\0' || type == '0' || type == '7') && !old_directory;
    // As in Python's tarfile: links, directories, devices and fifos have no data whatever their
    // size field says; other unknown types are skipped over their size.
    const bool no_data = !regular && type >= '1' && type <= '6';
    const uint64_t data_size = no_data ? 0 : member_size;
    if (data_size > size - data_at) {
      return at_header(ItemStatus::error(Code::kTruncated, "member data of " + std::to_string(data_size) +
                                                               " bytes runs past the end of the file (" +
                                                               std::to_string(size - data_at) + " bytes left)"),
                       at, name);
    }
    if (regular) {
      s = add_member(name, data_at, data_size, limits, name_bytes, out);
      if (!s.ok()) return at_header(s, at, "");
    } else {
      ++out.skipped;
    }
    at = data_at + std::min(padded(data_size), size - data_at);
  }
  // Every writer ends an archive with zero blocks; without them the file was cut, perhaps
  // exactly between two members, and samples after the cut would be silently missing.
  if (!ended) {
    return at_header(ItemStatus::error(Code::kTruncated, "the file ends without tar's end-of-archive blocks (it was cut)"), at, "");
  }
  return {};
}

ItemStatus scan_tar_bytes(const char* data, size_t size, const TarLimits& limits, TarIndex& out) {
  return scan_tar(
      [&](uint64_t offset, size_t n, char* dst) {
        if (offset > size || n > size - offset) return ItemStatus::error(Code::kTruncated, "read past the end");
        std::memcpy(dst, data + offset, n);
        return ItemStatus{};
      },
      size, limits, out);
}

}  // namespace tl
