#include "core/counters.h"

#include "core/status.h"

namespace tl {

Counters& counters() {
  static Counters instance;
  return instance;
}

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "ENOENT";
    case Code::kIsDirectory: return "EISDIR";
    case Code::kNotRegular: return "ENOTREG";
    case Code::kEmpty: return "EEMPTY";
    case Code::kIo: return "EIO";
    case Code::kShrunk: return "ESHRUNK";
    case Code::kParse: return "EPARSE";
    case Code::kCount: return "ECOUNT";
    case Code::kTooLarge: return "ETOOLARGE";
    case Code::kCancelled: return "ECANCELLED";
    case Code::kFormat: return "EFORMAT";
    case Code::kDecode: return "EDECODE";
    case Code::kTruncated: return "ETRUNCATED";
    case Code::kNoSlot: return "ENOSLOT";
    case Code::kClosed: return "ECLOSED";
    case Code::kInvalidArgument: return "ERR_INVALID_ARG";
  }
  return "EUNKNOWN";
}

}  // namespace tl
