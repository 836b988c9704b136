// An invariant a fuzz target asserts about the code under test. A violated one aborts, so
// libFuzzer saves the input as a crash like any sanitizer report.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace fuzz {

inline void check(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

}  // namespace fuzz
