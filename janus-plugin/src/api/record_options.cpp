#include "record_options.h"

#include <cctype>
#include <string_view>

#include "errors.h"
#include "json_fields.h"

namespace conf {

namespace {

constexpr size_t kMaxPath = 1024;

bool has_parent_component(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::optional<ParseError> check_record_dir(const std::string& dir) {
  return check_file_path(dir, "record_dir");
}

std::optional<ParseError> check_record_file(const std::string& file) {
  if (auto e = check_file_path(file, "record_file")) return e;
  if (file.front() == '/')
    return ParseError{kErrInvalidElement,
                      "Invalid element (record_file must be relative; put the folder in "
                      "record_dir)"};
  if (file.back() == '/')
    return ParseError{kErrInvalidElement, "Invalid element (record_file names a folder)"};
  return std::nullopt;
}

}  // namespace

std::optional<ParseError> check_file_path(const std::string& path, const char* field) {
  const std::string name(field);
  if (path.empty())
    return ParseError{kErrInvalidElement, "Invalid element (" + name + " is empty)"};
  if (path.size() > kMaxPath)
    return ParseError{kErrInvalidElement, "Invalid element (" + name + " is longer than " +
                                              std::to_string(kMaxPath) + " bytes)"};
  if (has_parent_component(path))
    return ParseError{kErrInvalidElement,
                      "Invalid element (" + name + " may not contain a \"..\" component)"};
  return std::nullopt;
}

std::optional<ParseError> parse_record_options(const json_t* obj, RecordOptions* out) {
  if (auto e = read_bool(obj, "record", &out->record)) return e;
  if (json_object_get(obj, "record_file") != nullptr) {
    if (auto e = read_string(obj, "record_file", &out->file)) return e;
    if (auto e = check_record_file(out->file)) return e;
  }
  if (json_object_get(obj, "record_dir") != nullptr) {
    if (auto e = read_string(obj, "record_dir", &out->dir)) return e;
    if (auto e = check_record_dir(out->dir)) return e;
  }
  return std::nullopt;
}

std::string record_path(const RecordOptions& options, const std::string& room, long long now_us) {
  const std::string& dir = options.dir;
  const std::string& file = options.file;
  // A string room ID may hold anything, "/" and ".." too.
  std::string safe_room = room;
  for (char& c : safe_room) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') c = '_';
  }
  const std::string name =
      file.empty() ? "janus-audioroom-" + safe_room + "-" + std::to_string(now_us) + ".opus" : file;
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace conf
