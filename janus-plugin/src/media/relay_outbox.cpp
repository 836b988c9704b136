#include "relay_outbox.h"

#include <algorithm>
#include <utility>

#include "monotonic.h"

namespace mcu {

RelayOutbox::RelayOutbox(Relay relay) : relay_(std::move(relay)) {}

void RelayOutbox::relay_held() {
  if (len_ == 0) return;
  const size_t len = std::exchange(len_, 0);
  waited_us_.fetch_add(static_cast<uint64_t>(monotonic_us() - held_at_us_),
                       std::memory_order_relaxed);
  relay_(packet_.data(), len, level_);
}

void RelayOutbox::hold(const uint8_t* packet, size_t len, int level) {
  std::lock_guard lock(mutex_);
  if (len_ != 0) overdue_.fetch_add(1, std::memory_order_relaxed);
  relay_held();
  if (len == 0) return;
  if (len > packet_.size()) {
    overdue_.fetch_add(1, std::memory_order_relaxed);
    relay_(packet, len, level);
    return;
  }
  std::copy(packet, packet + len, packet_.begin());
  len_ = len;
  level_ = level;
  held_at_us_ = monotonic_us();
}

void RelayOutbox::release() {
  std::lock_guard lock(mutex_);
  if (len_ != 0) overdue_.fetch_add(1, std::memory_order_relaxed);
  relay_held();
}

void RelayOutbox::drain() {
  std::lock_guard lock(mutex_);
  if (len_ != 0) drained_.fetch_add(1, std::memory_order_relaxed);
  relay_held();
}

}  // namespace mcu
