// EBML (Matroska's binary XML) elements written into a byte buffer: IDs,
// sizes and the few value types WebM needs. Master elements get their size
// once their children are in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mcu {

class EbmlWriter {
 public:
  void uint(uint32_t id, uint64_t value);
  void float64(uint32_t id, double value);
  void string(uint32_t id, std::string_view value);
  void binary(uint32_t id, const uint8_t* data, size_t len);
  // Opens a master element; close() with what this returns writes its size.
  size_t open(uint32_t id);
  void close(size_t opened);
  // The ID and a size of `len` bytes to follow, for payloads written by hand.
  void header(uint32_t id, uint64_t len);
  void bytes(const uint8_t* data, size_t len);

  const std::vector<uint8_t>& data() const { return data_; }
  void clear() { data_.clear(); }

 private:
  void id(uint32_t id);
  void size(uint64_t len);

  std::vector<uint8_t> data_;
};

// An EBML size of 8 bytes, as a master element's placeholder or patch uses.
void put_size8(uint8_t* out, uint64_t len);

}  // namespace mcu
