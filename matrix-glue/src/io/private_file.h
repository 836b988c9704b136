// Files that hold secrets (tokens, the homeserver's events): readable by their owner only,
// whatever the umask, also when they existed before with wider permissions.
#pragma once

#include <string>

namespace glue {

// Creates `path` empty if it does not exist; either way leaves it mode 0600.
bool make_private(const std::string& path, std::string* error);
// Replaces the contents of `path` with `text`, mode 0600.
bool write_private_file(const std::string& path, const std::string& text, std::string* error);

}  // namespace glue
