// Parses numeric text as numpy prints it (`[0.5488135  0.71518937 ...\n 0.43758721]`), or
// numbers separated by whitespace and commas, with or without brackets, into float32.
#pragma once

#include <cstddef>

#include "core/status.h"

namespace tl {

// Writes exactly `expected` floats to `out` or returns an error: EPARSE at the byte offset of
// the first token that is not a number, ECOUNT when the file holds a different count.
// Each value is parsed as a double and rounded once to float32, as numpy's
// `np.fromstring(...).astype(np.float32)` does, so results match numpy bit for bit.
ItemStatus parse_floats(const char* data, size_t size, float* out, size_t expected);

}  // namespace tl
