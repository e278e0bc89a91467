// Keeps glibc from returning large decode buffers to the kernel after every image. libvips
// allocates (and zeroes) a fresh buffer per decoded image; above glibc's mmap threshold each
// one was an mmap, page faults on first touch, and an munmap with a TLB flush on free, which
// for a photo-sized JPEG cost more than the decode itself (the bench's JPEG comparison shows
// the difference with TENSORLOADER_MALLOC_TUNING=0). RSS then stays at its
// high-water mark instead of breathing; what libvips allocates per image is bounded by
// maxPixels, so the mark is too. TENSORLOADER_MALLOC_TUNING=0 leaves the allocator alone.
#pragma once

namespace tl {

// Idempotent; returns whether the tuning was applied.
bool tune_allocator();

// Gives the free memory at the top of the heaps back to the system (glibc's malloc_trim).
// Called after an item left more scratch than a thread keeps, so one large or hostile item
// does not raise the process's RSS for good.
void release_free_heap();

}  // namespace tl
