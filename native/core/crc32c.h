// CRC-32C (Castagnoli), the checksum of packed files: SSE4.2's crc32 instruction where the CPU
// has it (several GB/s, so verifying a record costs less than copying it), a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tl {

// Continues `crc` (0 to start) over n bytes; crc32c(crc32c(0, a), b) == crc32c of a then b.
uint32_t crc32c(uint32_t crc, const void* data, size_t n);

}  // namespace tl
