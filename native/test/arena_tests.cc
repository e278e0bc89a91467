// Tests of core/arena.
#include "test/test_util.h"

TEST_CASE(arena_slots) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    tl::Arena arena(100, 4);
    CHECK(arena.ok());
    CHECK_EQ(arena.slot_bytes(), size_t{100});
    CHECK_EQ(arena.slot_stride(), size_t{128});
    CHECK_EQ(arena.slot_count(), size_t{4});
    CHECK_EQ(arena.reserved_bytes(), size_t{512});
    CHECK_EQ(arena.leased_count(), size_t{0});
    CHECK_EQ(tl::counters().arena_bytes.load(), before.arena_bytes + 512);
    CHECK_EQ(tl::counters().arenas_live.load(), before.arenas_live + 1);

    std::vector<int> slots;
    for (int i = 0; i < 4; ++i) {
      int slot = arena.lease();
      CHECK(slot >= 0 && slot < 4);
      CHECK(arena.is_leased(slot));
      uint8_t* p = arena.slot_data(slot);
      CHECK(p != nullptr);
      CHECK_EQ(reinterpret_cast<uintptr_t>(p) % tl::Arena::kAlignment, uintptr_t{0});
      std::memset(p, 0xab, arena.slot_bytes());  // the whole slot is usable (ASan checks)
      for (int other : slots) CHECK(other != slot);
      slots.push_back(slot);
      CHECK_EQ(arena.leased_count(), slots.size());
    }
    CHECK_EQ(arena.lease(), -1);  // full: no growth
    CHECK_EQ(arena.leased_count(), size_t{4});
    CHECK_EQ(tl::counters().slots_leased.load(), before.slots_leased + 4);

    CHECK(arena.give_back(slots[1]));
    CHECK(!arena.is_leased(slots[1]));
    CHECK(!arena.give_back(slots[1]));  // already free
    CHECK(!arena.give_back(-1));
    CHECK(!arena.give_back(4));
    CHECK(!arena.is_leased(-1));
    CHECK(!arena.is_leased(4));
    CHECK_EQ(arena.leased_count(), size_t{3});
    CHECK_EQ(arena.lease(), slots[1]);  // the most recently returned slot goes out first
    CHECK_EQ(arena.leased_count(), size_t{4});
    CHECK(arena.give_back(slots[0]));
    CHECK(arena.give_back(slots[2]));
    CHECK_EQ(tl::counters().slots_leased.load(), before.slots_leased + 2);

    arena.free_memory();  // with two slots still leased
    CHECK(!arena.ok());
    CHECK_EQ(arena.reserved_bytes(), size_t{0});
    CHECK_EQ(arena.leased_count(), size_t{0});
    CHECK_EQ(arena.lease(), -1);
    CHECK(!arena.give_back(slots[1]));
    CHECK(arena.slot_data(0) == nullptr);
    CHECK_COUNTERS_EQ(before);
    arena.free_memory();  // idempotent
    CHECK_COUNTERS_EQ(before);
  }
  CHECK_COUNTERS_EQ(before);
  {
    tl::Arena arena(64, 3);  // destroyed with every slot leased
    CHECK(arena.lease() >= 0);
    CHECK(arena.lease() >= 0);
    CHECK(arena.lease() >= 0);
    CHECK_EQ(tl::counters().slots_leased.load(), before.slots_leased + 3);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(arena_degenerate_sizes) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    tl::Arena none(100, 0);
    CHECK(!none.ok());
    CHECK_EQ(none.lease(), -1);
    CHECK_EQ(none.reserved_bytes(), size_t{0});
    tl::Arena overflow(SIZE_MAX / 2, 4);  // stride x count overflows size_t
    CHECK(!overflow.ok());
    CHECK_EQ(overflow.lease(), -1);
    tl::Arena zero_bytes(0, 2);  // a zero-byte item still gets a 64-byte stride
    CHECK(zero_bytes.ok());
    CHECK_EQ(zero_bytes.slot_stride(), size_t{64});
    CHECK_EQ(zero_bytes.reserved_bytes(), size_t{128});
    CounterSnapshot with_one = before;
    with_one.arena_bytes += 128;
    with_one.arenas_live += 1;
    CHECK_COUNTERS_EQ(with_one);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(arena_slot_bytes_overflow) {
  // slot_bytes near SIZE_MAX: rounding the stride up to 64 must not wrap around to a tiny
  // stride (which would give an ok() arena whose slots are far smaller than slot_bytes()).
  const CounterSnapshot before = CounterSnapshot::take();
  {
    tl::Arena arena(SIZE_MAX - 10, 1);
    CHECK(!arena.ok());
    CHECK(!arena.ok() || arena.slot_stride() >= arena.slot_bytes());
  }
  CHECK_COUNTERS_EQ(before);
}
