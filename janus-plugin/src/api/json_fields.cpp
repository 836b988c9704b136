#include "json_fields.h"

#include "errors.h"

namespace conf {

ParseError invalid_element(const std::string& field, const char* what) {
  return {kErrInvalidElement, "Invalid element (" + field + " should be " + what + ")"};
}

std::optional<ParseError> read_bool(const json_t* obj, const char* name, bool* out) {
  const json_t* v = json_object_get(obj, name);
  if (v == nullptr) return std::nullopt;
  if (!json_is_boolean(v)) return invalid_element(name, "a boolean");
  *out = json_is_true(v);
  return std::nullopt;
}

std::optional<ParseError> read_int(const json_t* obj, const char* name, int lo, int hi, int* out) {
  const json_t* v = json_object_get(obj, name);
  if (v == nullptr) return std::nullopt;
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
    return ParseError{kErrInvalidElement, std::string("Invalid element (") + name +
                                              " should be an integer from " + std::to_string(lo) +
                                              " to " + std::to_string(hi) + ")"};
  }
  *out = static_cast<int>(json_integer_value(v));
  return std::nullopt;
}

std::optional<ParseError> read_string(const json_t* obj, const char* name, std::string* out) {
  const json_t* v = json_object_get(obj, name);
  if (v == nullptr) return std::nullopt;
  if (!json_is_string(v)) return invalid_element(name, "a string");
  *out = json_string_value(v);
  return std::nullopt;
}

std::optional<ParseError> read_string(const json_t* obj, const char* name,
                                      std::optional<std::string>* out) {
  std::string value;
  if (json_object_get(obj, name) == nullptr) return std::nullopt;
  if (auto e = read_string(obj, name, &value)) return e;
  *out = std::move(value);
  return std::nullopt;
}

std::optional<ParseError> read_participant_id(const json_t* obj, const char* name, uint64_t* out) {
  const json_t* v = json_object_get(obj, name);
  if (v == nullptr) return std::nullopt;
  // A negative one would be stored as 2^64 - n and echoed back negative.
  if (!json_is_integer(v) || json_integer_value(v) <= 0)
    return invalid_element(name, "a positive integer");
  *out = static_cast<uint64_t>(json_integer_value(v));
  return std::nullopt;
}

}  // namespace conf
