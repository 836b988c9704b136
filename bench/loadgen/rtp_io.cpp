#include "rtp_io.h"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include "clock.h"

namespace loadgen {

namespace {

constexpr int kSlots = 20;  // 1 ms each
constexpr int64_t kFrameNs = 20000000;
constexpr int kBatch = 32;
constexpr size_t kMaxDatagram = 1500;
constexpr std::chrono::milliseconds kReceivePause{2};

// 12-byte header + RFC 8285 one-byte extension block holding RFC 6464 (id 1).
size_t build_packet(Participant& p, const EncodedFrame& f, bool marker, uint8_t* out) {
  out[0] = 0x90;  // V=2, X=1
  out[1] = static_cast<uint8_t>((marker ? 0x80 : 0) | kPayloadType);
  out[2] = static_cast<uint8_t>(p.seq >> 8);
  out[3] = static_cast<uint8_t>(p.seq);
  for (int i = 0; i < 4; ++i) {
    out[4 + i] = static_cast<uint8_t>(p.timestamp >> (24 - 8 * i));
    out[8 + i] = static_cast<uint8_t>(p.ssrc >> (24 - 8 * i));
  }
  out[12] = 0xBE;
  out[13] = 0xDE;
  out[14] = 0;
  out[15] = 1;                                            // one 32-bit word of extensions
  out[16] = static_cast<uint8_t>(kAudioLevelExtId << 4);  // length field 0 = 1 byte
  out[17] = static_cast<uint8_t>((f.voice ? 0x80 : 0) | (f.level & 0x7F));
  out[18] = 0;
  out[19] = 0;
  std::memcpy(out + 20, f.payload.data(), f.payload.size());
  return 20 + f.payload.size();
}

// Payload of an RTP packet (CSRCs, extension and padding skipped), or false.
bool rtp_payload(const uint8_t* d, size_t len, uint16_t* seq, const uint8_t** payload,
                 size_t* payload_len) {
  if (len < 12 || (d[0] >> 6) != 2) return false;
  size_t off = 12 + 4u * (d[0] & 0x0F);
  if ((d[0] & 0x10) != 0) {
    if (len < off + 4) return false;
    off += 4 + 4u * ((static_cast<size_t>(d[off + 2]) << 8) | d[off + 3]);
  }
  size_t end = len;
  if ((d[0] & 0x20) != 0) {
    if (d[len - 1] > len) return false;
    end -= d[len - 1];
  }
  if (off >= end) return false;
  *seq = static_cast<uint16_t>((d[2] << 8) | d[3]);
  *payload = d + off;
  *payload_len = end - off;
  return true;
}

}  // namespace

bool open_participant_socket(Participant* p, bool monitored, std::string* error) {
  p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (p->fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(p->fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(p->fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    *error = std::string("bind: ") + std::strerror(errno);
    return false;
  }
  p->local_port = ntohs(addr.sin_port);
  p->monitored = monitored;
  if (monitored) {
    const int on = 1;
    setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
  }
  static std::mt19937 rng{std::random_device{}()};
  p->ssrc = rng();
  p->seq = static_cast<uint16_t>(rng());
  p->timestamp = rng();
  return true;
}

void close_participant_socket(Participant* p) {
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
}

SenderResult run_sender(std::vector<Participant>& ps, const Signals& signals, int64_t start_ns,
                        int64_t stop_ns) {
  SenderResult r;
  std::array<std::vector<size_t>, kSlots> slots;
  for (size_t i = 0; i < ps.size(); ++i) slots[i % kSlots].push_back(i);
  const size_t loop_frames = signals.talkers.empty() ? 1 : signals.talkers[0].frames.size();
  uint8_t buf[kMaxDatagram];
  for (int64_t frame = 0;; ++frame) {
    const int64_t frame_ns = start_ns + frame * kFrameNs;
    if (frame_ns >= stop_ns) break;
    const size_t pos = static_cast<size_t>(frame) % loop_frames;
    for (int s = 0; s < kSlots; ++s) {
      const int64_t due = frame_ns + s * (kFrameNs / kSlots);
      sleep_until_monotonic_ns(due);
      const int64_t lag_us = (monotonic_ns() - due) / 1000;
      if (lag_us > kLateSlotUs) ++r.late_slots;
      if (lag_us > r.max_lag_us) {
        r.max_lag_us = lag_us;
        r.max_lag_at_ms = (due - start_ns) / 1000000;
      }
      for (size_t i : slots[static_cast<size_t>(s)]) {
        Participant& p = ps[i];
        const bool talks = p.talker >= 0;
        const EncodedFrame& f =
            talks ? signals.talkers[static_cast<size_t>(p.talker)].frames[pos] : signals.silent;
        // Marker bit on the first packet of each talk spurt (RFC 3551 4.1).
        const bool marker = talks && f.voice &&
                            !signals.talkers[static_cast<size_t>(p.talker)]
                                 .frames[(pos + loop_frames - 1) % loop_frames]
                                 .voice;
        const size_t len = build_packet(p, f, marker, buf);
        if (p.burst_clock && pos % kCycleFrames == 0) r.bursts.push_back({frame, realtime_ns()});
        const ssize_t n = sendto(p.fd, buf, len, 0, reinterpret_cast<const sockaddr*>(&p.plugin),
                                 sizeof(p.plugin));
        if (n < 0) {
          ++r.errors;
        } else {
          ++r.packets;
        }
        ++p.seq;
        p.timestamp += kFrameSamples;
      }
    }
  }
  return r;
}

void run_receiver(std::vector<Participant>& ps, int64_t window_start_ns, int64_t window_end_ns,
                  size_t max_monitored_packets, const std::atomic<bool>& stop) {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return;
  for (size_t i = 0; i < ps.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, ps[i].fd, &ev);
  }
  constexpr size_t kCtrl = CMSG_SPACE(sizeof(timespec));
  std::vector<uint8_t> bufs(kBatch * kMaxDatagram);
  std::vector<uint8_t> ctrl(kBatch * kCtrl);
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iovs{};
  std::array<epoll_event, 256> events{};
  std::vector<uint32_t> last_seq(ps.size(), 0);
  while (!stop.load(std::memory_order_relaxed)) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
    for (int e = 0; e < n; ++e) {
      Participant& p = ps[events[static_cast<size_t>(e)].data.u64];
      const size_t idx = events[static_cast<size_t>(e)].data.u64;
      // Bounded drain: a socket that never empties cannot starve the others.
      for (int round = 0; round < 8; ++round) {
        for (int i = 0; i < kBatch; ++i) {
          iovs[static_cast<size_t>(i)] = {&bufs[static_cast<size_t>(i) * kMaxDatagram],
                                          kMaxDatagram};
          msgs[static_cast<size_t>(i)] = {};
          msgs[static_cast<size_t>(i)].msg_hdr.msg_iov = &iovs[static_cast<size_t>(i)];
          msgs[static_cast<size_t>(i)].msg_hdr.msg_iovlen = 1;
          msgs[static_cast<size_t>(i)].msg_hdr.msg_control = &ctrl[static_cast<size_t>(i) * kCtrl];
          msgs[static_cast<size_t>(i)].msg_hdr.msg_controllen = kCtrl;
        }
        const int got = recvmmsg(p.fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        const int64_t now = monotonic_ns();
        const bool in_window = now >= window_start_ns && now < window_end_ns;
        for (int i = 0; i < got; ++i) {
          const mmsghdr& m = msgs[static_cast<size_t>(i)];
          uint16_t seq = 0;
          const uint8_t* payload = nullptr;
          size_t payload_len = 0;
          if (!rtp_payload(&bufs[static_cast<size_t>(i) * kMaxDatagram], m.msg_len, &seq, &payload,
                           &payload_len)) {
            ++p.malformed;
            continue;
          }
          ++p.received;
          if (in_window) ++p.received_in_window;
          if (!p.monitored || p.mix.size() >= max_monitored_packets) continue;
          MixPacket mp;
          // Extend the 16-bit sequence number relative to the previous packet.
          const uint32_t prev = last_seq[idx];
          const int16_t delta = static_cast<int16_t>(seq - static_cast<uint16_t>(prev));
          mp.seq = p.mix.empty() ? (1u << 20) + seq : prev + static_cast<uint32_t>(delta);
          if (p.mix.empty() || static_cast<int32_t>(mp.seq - prev) > 0) last_seq[idx] = mp.seq;
          mp.arrival_ns = realtime_ns();
          for (cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr); c != nullptr;
               c = CMSG_NXTHDR(const_cast<msghdr*>(&m.msg_hdr), c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
              timespec ts{};
              std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
              mp.arrival_ns = static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
            }
          }
          mp.payload.assign(payload, payload + payload_len);
          p.mix.push_back(std::move(mp));
        }
        if (got < kBatch) break;
      }
    }
    // Arrival times come from the kernel's timestamps, so reading late costs no accuracy. A
    // receiver asleep in epoll_wait is woken by each packet, and on loopback that wake-up runs on
    // the sender's core: it charged Janus ~10 % of its CPU for a cost no real network has.
    if (n > 0 && n < static_cast<int>(events.size())) std::this_thread::sleep_for(kReceivePause);
  }
  close(ep);
}

}  // namespace loadgen
