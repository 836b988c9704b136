// A request or setting that failed validation: a stable code from errors.h and
// a message for the client.
#pragma once

#include <string>

namespace conf {

struct ParseError {
  int code = 0;
  std::string message;
};

}  // namespace conf
