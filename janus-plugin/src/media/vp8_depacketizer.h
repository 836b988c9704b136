// VP8 RTP depacketization (RFC 7741) for one video sender.
//
// parse_vp8_descriptor() reads the payload descriptor and, for the first packet
// of a frame, the start of the VP8 payload header (RFC 6386 section 9.1) to
// tell key frames from inter frames. Vp8Depacketizer reorders packets within a
// window and joins them into whole frames. After any loss it asks for a key
// frame and withholds inter frames until one arrives: an inter frame that
// references a picture the decoder never saw would corrupt everything decoded
// after it. No Janus headers: used by the plugin and by unit tests alike.
// Every parser treats its input as hostile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mcu {

struct Vp8Descriptor {
  bool non_reference = false;       // N
  bool start_of_partition = false;  // S
  uint8_t partition_id = 0;         // PID (0..7)
  int picture_id = -1;              // 7- or 15-bit PictureID, -1 when absent
  bool picture_id_15bit = false;    // M bit
  int tl0_pic_idx = -1;             // -1 when absent
  int temporal_id = -1;             // TID, -1 when absent
  bool layer_sync = false;          // Y
  int key_idx = -1;                 // KEYIDX, -1 when absent
  size_t descriptor_len = 0;        // bytes before the VP8 payload
  // S=1 and PID=0: this packet carries the first bytes of a frame, so the VP8
  // payload header that follows tells the frame type.
  bool frame_start = false;
  bool key_frame = false;  // only when frame_start
  int width = 0;           // key frames only; 14-bit size, scaling bits dropped
  int height = 0;
};

// Parses the descriptor at the start of an RTP payload. Returns false for any
// truncation (of the descriptor, or of the 10-byte key frame header when the
// packet starts a key frame), an empty VP8 payload, a key frame without the
// 0x9d 0x01 0x2a start code, or a key frame with a zero width or height.
bool parse_vp8_descriptor(const uint8_t* data, size_t len, Vp8Descriptor* out);

struct Vp8DepacketizerConfig {
  // Ring size in packets; it bounds memory (capacity * max_packet_bytes) and
  // therefore the largest frame in packets. A packet too far ahead to fit
  // evicts the oldest ones, which counts as loss.
  int capacity = 1024;
  // A missing packet is given up on once a packet this many sequence numbers
  // later has arrived.
  int reorder_window = 64;
  size_t max_packet_bytes = 1500;  // VP8 payload of one packet after the descriptor
  size_t max_frame_bytes = 2 * 1024 * 1024;
};

struct Vp8Frame {
  std::vector<uint8_t> data;  // VP8 frame, descriptors stripped
  uint32_t timestamp = 0;
  uint16_t first_seq = 0;
  uint16_t last_seq = 0;
  bool key_frame = false;
  int width = 0;  // key frames only
  int height = 0;
  int picture_id = -1;  // from the first packet, -1 when absent
};

struct Vp8DepacketizerStats {
  uint64_t received = 0;
  uint64_t duplicates = 0;
  uint64_t late = 0;          // below what was already handed out or given up on
  uint64_t malformed = 0;     // bad descriptor or oversized packet
  uint64_t resets = 0;        // sequence jump too large to be reordering or loss
  uint64_t lost_packets = 0;  // gaps given up on, plus packets of broken frames
  uint64_t frames_out = 0;
  uint64_t frames_dropped = 0;   // broken by a hole, a missing end, size or eviction
  uint64_t frames_withheld = 0;  // complete inter frames dropped while awaiting a key frame
};

enum class Vp8InsertResult { kAccepted, kReset, kDuplicate, kLate, kRejected };

// One sender (one SSRC); the caller serialises access and calls pop_frame()
// after each insert(). Slot buffers keep their capacity, so once they have
// grown to the packet size there is no allocation per packet.
class Vp8Depacketizer {
 public:
  explicit Vp8Depacketizer(const Vp8DepacketizerConfig& config = {});

  // payload: the RTP payload, starting with the VP8 payload descriptor.
  Vp8InsertResult insert(uint16_t seq, uint32_t timestamp, bool marker, const uint8_t* payload,
                         size_t len);

  // Hands out the next complete frame in sequence order, copying it into
  // `out` (whose vector is reused). Returns false when none is ready.
  bool pop_frame(Vp8Frame* out);

  // True from the start and after any loss, until a complete key frame has
  // been handed out: the caller should send a PLI/FIR to the sender.
  bool needs_keyframe() const { return awaiting_keyframe_; }

  void reset();

  int buffered_packets() const { return buffered_; }
  const Vp8DepacketizerStats& stats() const { return stats_; }

 private:
  struct Slot {
    bool used = false;
    bool marker = false;
    uint64_t ext_seq = 0;
    uint32_t timestamp = 0;
    Vp8Descriptor desc;
    std::vector<uint8_t> data;  // VP8 payload without the descriptor
  };

  Slot& slot_for(uint64_t ext_seq) { return slots_[ext_seq % slots_.size()]; }
  uint64_t extend_seq(uint16_t seq) const;
  void restart(uint64_t ext_seq);
  void release(uint64_t ext_seq);
  // Gives up on [next_ext_seq_, end): counts every slot as lost.
  void discard_until(uint64_t end);
  void mark_loss();

  Vp8DepacketizerConfig config_;
  std::vector<Slot> slots_;
  Vp8DepacketizerStats stats_;
  bool have_stream_ = false;
  bool started_ = false;  // something was handed out or given up on
  bool awaiting_keyframe_ = true;
  uint64_t next_ext_seq_ = 0;  // lowest sequence number not yet consumed
  uint64_t highest_ext_seq_ = 0;
  int buffered_ = 0;
};

}  // namespace mcu
