// Helpers shared by the unit tests of the plugin's request parsers: JSON from a test string, and
// the error code a parser gives for it.
#pragma once

#include <jansson.h>

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

// The JSON value `text` holds (any value, not only an object or an array); fails the test if
// `text` is not JSON.
inline json_t* parse(const char* text) {
  json_error_t error;
  json_t* j = json_loads(text, JSON_DECODE_ANY, &error);
  assert_non_null(j);
  return j;
}

// The code of the error `parse_it` gives for the JSON in `text`, 0 if none.
template <typename Parse>
int error_code(const char* text, Parse parse_it) {
  json_t* j = parse(text);
  auto e = parse_it(j);
  json_decref(j);
  return e ? e->code : 0;
}
