#include "ebml_writer.h"

#include <bit>
#include <cstring>

namespace mcu {

namespace {

constexpr size_t kMasterSizeBytes = 8;

int bytes_for(uint64_t value) {
  int n = 1;
  while (n < 8 && (value >> (8 * n)) != 0) ++n;
  return n;
}

}  // namespace

void put_size8(uint8_t* out, uint64_t len) {
  out[0] = 0x01;
  for (size_t i = 1; i < kMasterSizeBytes; ++i)
    out[i] = static_cast<uint8_t>(len >> (8 * (kMasterSizeBytes - 1 - i)));
}

void EbmlWriter::id(uint32_t id) {
  // IDs keep their marker bits: written as they are, in as many bytes as they take.
  for (int i = bytes_for(id) - 1; i >= 0; --i) data_.push_back(static_cast<uint8_t>(id >> (8 * i)));
}

void EbmlWriter::size(uint64_t len) {
  // n bytes hold 7n bits; the all-ones value means "unknown", so stay below it.
  int n = 1;
  while (n < 8 && len >= (uint64_t{1} << (7 * n)) - 1) ++n;
  const uint64_t coded = len | (uint64_t{1} << (7 * n));
  for (int i = n - 1; i >= 0; --i) data_.push_back(static_cast<uint8_t>(coded >> (8 * i)));
}

void EbmlWriter::header(uint32_t element, uint64_t len) {
  id(element);
  size(len);
}

void EbmlWriter::bytes(const uint8_t* data, size_t len) {
  data_.insert(data_.end(), data, data + len);
}

void EbmlWriter::uint(uint32_t element, uint64_t value) {
  const int n = bytes_for(value);
  header(element, static_cast<uint64_t>(n));
  for (int i = n - 1; i >= 0; --i) data_.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void EbmlWriter::float64(uint32_t element, double value) {
  header(element, 8);
  const auto bits = std::bit_cast<uint64_t>(value);
  for (int i = 7; i >= 0; --i) data_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void EbmlWriter::string(uint32_t element, std::string_view value) {
  binary(element, reinterpret_cast<const uint8_t*>(value.data()), value.size());
}

void EbmlWriter::binary(uint32_t element, const uint8_t* data, size_t len) {
  header(element, len);
  bytes(data, len);
}

size_t EbmlWriter::open(uint32_t element) {
  id(element);
  const size_t at = data_.size();
  data_.resize(at + kMasterSizeBytes);
  return at;
}

void EbmlWriter::close(size_t opened) {
  put_size8(&data_[opened], data_.size() - opened - kMasterSizeBytes);
}

}  // namespace mcu
