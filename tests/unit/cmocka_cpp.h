// CMocka for C++ tests: its header has no extern "C" guard around its API and
// defines macros (fail()) that break standard headers included after it, so
// include this after every other header.
#pragma once

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>

extern "C" {
#include <cmocka.h>
}
