// RTP/RTCP parsing and RTP header writing (RFC 3550, RFC 5285/8285 header
// extensions, RFC 6464 audio level). No Janus headers: used by the plugin and
// by unit tests alike. Every parser treats its input as hostile.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcu {

struct RtpPacketView {
  uint8_t payload_type = 0;
  bool marker = false;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  const uint8_t* payload = nullptr;  // points into the parsed buffer
  size_t payload_len = 0;
  int audio_level = -1;  // RFC 6464 level 0..127 (-dBov), -1 when absent
  bool voice_activity = false;
};

// Parses an RTP packet. Returns false for anything malformed: version != 2,
// truncated fixed header, CSRC list or extension, padding count of 0 or larger
// than the payload. audio_level_ext_id (1..14 one-byte, 1..255 two-byte form)
// names the RFC 6464 extension to read; 0 disables that look-up.
bool parse_rtp(const uint8_t* data, size_t len, int audio_level_ext_id, RtpPacketView* out);

// RFC 5761 demultiplexing: true when the second byte is an RTCP packet type
// (192..223) and the packet is long enough to be RTCP.
bool looks_like_rtcp(const uint8_t* data, size_t len);

struct RtcpBlock {
  uint8_t packet_type = 0;        // 200 SR, 201 RR, 205 RTPFB, 206 PSFB, ...
  uint8_t count = 0;              // RC / FMT field
  const uint8_t* data = nullptr;  // whole sub-packet including its header
  size_t len = 0;
};

// Splits a compound RTCP packet into at most max_blocks blocks. Returns the
// number of blocks, or -1 when the compound packet is malformed (bad version,
// a length field that runs past the buffer, trailing bytes, too many blocks).
int split_rtcp(const uint8_t* data, size_t len, RtcpBlock* blocks, int max_blocks);

// True when the block is a PLI (PSFB FMT 1) or a FIR (PSFB FMT 4).
bool rtcp_is_keyframe_request(const RtcpBlock& block);

// A random 32-bit value for the SSRC and the first sequence number and
// timestamp of a stream we send (RFC 3550 section 5.1).
uint32_t random_u32();

// Writes a Full Intra Request (RFC 5104 section 4.3.1, PSFB FMT 4) asking
// media_ssrc for a key frame; seq_nr must advance with each new request.
// Returns 20 (its size), or 0 when cap is too small.
size_t write_rtcp_fir(uint8_t* out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                      uint8_t seq_nr);

// Writes an RTP header with an optional one-byte-form extension carrying the
// RFC 6464 level (ext_id 1..14; 0 = none). Returns the header size, or 0 when
// cap is too small or the arguments are out of range.
size_t write_rtp_header(uint8_t* out, size_t cap, uint8_t payload_type, bool marker, uint16_t seq,
                        uint32_t timestamp, uint32_t ssrc, int audio_level_ext_id, int audio_level,
                        bool voice_activity);

}  // namespace mcu
