#pragma once

#include <string>
#include <string_view>

namespace glue {

// `text` with every byte that is not part of a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, surrogates or code points past U+10FFFF) replaced by U+FFFD. Jansson refuses
// to build a string from anything else, and texts that quote the wire (a parser's "near '...'",
// cut at a fixed length) can hold half a character.
std::string valid_utf8(std::string_view text);

}  // namespace glue
