// Typed reads of one field of a JSON request: absent leaves the output as it
// was, a wrong type or range is a 484 naming the field.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "parse_error.h"

namespace conf {

ParseError invalid_element(const std::string& field, const char* what);
std::optional<ParseError> read_bool(const json_t* obj, const char* name, bool* out);
std::optional<ParseError> read_int(const json_t* obj, const char* name, int lo, int hi, int* out);
std::optional<ParseError> read_string(const json_t* obj, const char* name, std::string* out);
std::optional<ParseError> read_string(const json_t* obj, const char* name,
                                      std::optional<std::string>* out);
// A participant ID: a positive JSON integer (so it round-trips through JSON).
std::optional<ParseError> read_participant_id(const json_t* obj, const char* name, uint64_t* out);

}  // namespace conf
