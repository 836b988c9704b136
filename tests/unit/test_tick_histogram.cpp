// Tick time percentiles from fixed buckets: each percentile is its bucket's upper bound.
#include "cmocka_cpp.h"
#include "tick_histogram.h"

namespace {

void test_empty_is_zero(void**) {
  mcu::TickHistogram h;
  assert_int_equal(h.count(), 0);
  assert_int_equal(h.percentile_us(0.5), 0);
}

void test_percentiles_are_bucket_bounds(void**) {
  mcu::TickHistogram h;
  for (int i = 0; i < 90; ++i) h.record(40);  // <= 50
  for (int i = 0; i < 9; ++i) h.record(900);  // <= 1000
  h.record(12000);                            // <= 15000
  assert_int_equal(h.count(), 100);
  assert_int_equal(h.percentile_us(0.5), 50);
  assert_int_equal(h.percentile_us(0.9), 50);
  assert_int_equal(h.percentile_us(0.95), 1000);
  assert_int_equal(h.percentile_us(0.99), 1000);
  assert_int_equal(h.percentile_us(1.0), 15000);
  assert_int_equal(h.percentile_us(0.0), 50);
}

void test_bounds_and_overflow(void**) {
  mcu::TickHistogram h;
  h.record(50);  // a bound belongs to its own bucket
  assert_int_equal(h.percentile_us(1.0), 50);
  h.record(1000000);  // past the last bound: reported as 20 ms, the largest that means anything
  assert_int_equal(h.percentile_us(1.0), 20000);
}

void test_merge_adds(void**) {
  mcu::TickHistogram a;
  mcu::TickHistogram b;
  a.record(100);
  b.record(3000);
  b.record(3000);
  a.merge(b);
  assert_int_equal(a.count(), 3);
  assert_int_equal(a.percentile_us(0.34), 3000);
  assert_int_equal(a.percentile_us(0.33), 100);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_is_zero),
      cmocka_unit_test(test_percentiles_are_bucket_bounds),
      cmocka_unit_test(test_bounds_and_overflow),
      cmocka_unit_test(test_merge_adds),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
