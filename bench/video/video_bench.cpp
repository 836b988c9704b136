// Video compositing benchmark: one room of N VP8 senders through the plugin's
// media code, on ONE thread pinned to one CPU.
//
// Up front (not measured): N synthetic 640x360 sender streams are encoded with
// Vp8Encoder (or read from IVF files, --ivf-in) and packetized with
// Vp8Packetizer. Then, per frame interval: every sender's RTP packets of that
// frame go into its ParticipantVideo (depacketize, decode) and RoomVideo::tick
// composes the grid, encodes it once (VP8) and packetizes it to the viewers.
//
// In the plugin the decodes run on the senders' Janus media threads and the
// tick on the room's own thread; on one core what counts is their sum, which
// is what this measures (split into decode and tick).
//
// Modes: flat-out (no pacing, virtual clock: capacity in frames per second),
// realtime (paced at --fps: CPU per composited second, late frames), and
// prepare (only writes the streams as IVF, --dump-ivf, for the reference).
// Prints one JSON object on stdout; exits 1 when the pipeline lost, failed to
// decode or failed to encode anything.
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "i420_compositor.h"
#include "participant_video.h"
#include "room_video.h"
#include "rtp.h"
#include "video_layout.h"
#include "vp8_codec.h"
#include "vp8_depacketizer.h"
#include "vp8_packetizer.h"

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr uint8_t kPayloadType = 96;
constexpr uint32_t kRtpClock = 90000;
constexpr size_t kRtpHeaderSize = 12;  // no CSRC, no extension
// Virtual clock origin for flat-out mode (ParticipantVideo treats 0 as "never").
constexpr int64_t kVirtualStartUs = 1000000;

struct Options {
  int senders = 4;
  std::string mode = "flat-out";
  double seconds = 10;
  int cpu = 0;  // -1: do not pin
  int width = 1280;
  int height = 720;
  int fps = 30;
  int bitrate = 1500000;
  int cpu_used = 8;
  int sender_width = 640;
  int sender_height = 360;
  int sender_bitrate = 600000;
  bool obey_remb = true;
  int sender_cpu_used = 4;  // not measured: spend it on realistic streams
  double loop_seconds = 10;
  double warmup_seconds = 1;  // run first, not measured: start-up key frames, allocation
  std::string dump_ivf;       // directory for sender_<i>.ivf, the frames this run inserts
  std::string ivf_in;         // read the streams from sender_<i>.ivf (one loop) instead
  bool verify_output = false;
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "video_bench: %s\n"
               "usage: video_bench [--senders N] [--mode flat-out|realtime] [--seconds S]\n"
               "  [--cpu C|-1] [--width W] [--height H] [--fps F] [--bitrate BPS] [--cpu-used U]\n"
               "  [--sender-width W] [--sender-height H] [--sender-bitrate BPS] [--ignore-remb]\n"
               "  [--loop-seconds S] [--warmup-seconds S] [--dump-ivf DIR] [--ivf-in DIR] "
               "[--verify-output]\n",
               msg);
  std::exit(2);
}

long parse_int(const char* s, long lo, long hi, const char* name) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
    usage((std::string("bad value for ") + name).c_str());
  }
  return v;
}

double parse_double(const char* s, double lo, double hi, const char* name) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
    usage((std::string("bad value for ") + name).c_str());
  }
  return v;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--verify-output") {
      o.verify_output = true;
      continue;
    }
    if (a == "--ignore-remb") {
      o.obey_remb = false;
      continue;
    }
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    if (a == "--senders") {
      o.senders = static_cast<int>(parse_int(v, 1, mcu::kMaxLayoutTiles, "--senders"));
    } else if (a == "--mode") {
      o.mode = v;
      if (o.mode != "flat-out" && o.mode != "realtime" && o.mode != "prepare") {
        usage("--mode: flat-out, realtime or prepare");
      }
    } else if (a == "--seconds") {
      o.seconds = parse_double(v, 0.1, 3600, "--seconds");
    } else if (a == "--cpu") {
      o.cpu = static_cast<int>(parse_int(v, -1, CPU_SETSIZE - 1, "--cpu"));
    } else if (a == "--width") {
      o.width = static_cast<int>(parse_int(v, 16, 4096, "--width"));
    } else if (a == "--height") {
      o.height = static_cast<int>(parse_int(v, 16, 4096, "--height"));
    } else if (a == "--fps") {
      o.fps = static_cast<int>(parse_int(v, 1, 60, "--fps"));
    } else if (a == "--bitrate") {
      o.bitrate = static_cast<int>(parse_int(v, 50000, 20000000, "--bitrate"));
    } else if (a == "--cpu-used") {
      o.cpu_used = static_cast<int>(parse_int(v, 4, 16, "--cpu-used"));
    } else if (a == "--sender-width") {
      o.sender_width = static_cast<int>(parse_int(v, 16, 4096, "--sender-width"));
    } else if (a == "--sender-height") {
      o.sender_height = static_cast<int>(parse_int(v, 16, 4096, "--sender-height"));
    } else if (a == "--sender-bitrate") {
      o.sender_bitrate = static_cast<int>(parse_int(v, 50000, 20000000, "--sender-bitrate"));
    } else if (a == "--warmup-seconds") {
      o.warmup_seconds = parse_double(v, 0, 60, "--warmup-seconds");
    } else if (a == "--loop-seconds") {
      o.loop_seconds = parse_double(v, 0.1, 60, "--loop-seconds");
    } else if (a == "--dump-ivf") {
      o.dump_ivf = v;
    } else if (a == "--ivf-in") {
      o.ivf_in = v;
    } else {
      usage((std::string("unknown option ") + std::string(a)).c_str());
    }
  }
  return o;
}

int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

uint32_t hash3(uint32_t x, uint32_t y, uint32_t z) {
  uint32_t h = x * 0x9E3779B1u ^ y * 0x85EBCA77u ^ z * 0xC2B2AE3Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  return h;
}

uint8_t clamp_u8(int v) {
  return static_cast<uint8_t>(std::clamp(v, 0, 255));
}

// A camera-like picture: a panning textured gradient in the sender's colour,
// a moving checkered box, and a little sensor noise, so the sender's encoder
// (and our decoder) have real motion and residuals to deal with.
void draw_source(int sender, int frame, mcu::I420Image* img) {
  const int w = img->width();
  const int h = img->height();
  const double t = frame;
  const int pan_x = static_cast<int>(std::lround(60 * std::sin(2 * kPi * t / (150 + 11 * sender))));
  const int pan_y = static_cast<int>(std::lround(30 * std::sin(2 * kPi * t / (210 + 7 * sender))));
  const int box = std::min(w, h) / 4 & ~1;
  const int bx = static_cast<int>((w - box) * (0.5 + 0.45 * std::sin(2 * kPi * t / (97 + sender))));
  const int by = static_cast<int>((h - box) * (0.5 + 0.45 * std::cos(2 * kPi * t / (71 + sender))));
  const double hue = 2 * kPi * sender / 9.0;
  const int tint_u = static_cast<int>(std::lround(45 * std::cos(hue)));
  const int tint_v = static_cast<int>(std::lround(45 * std::sin(hue)));

  for (int y = 0; y < h; ++y) {
    uint8_t* row = img->y() + static_cast<size_t>(y) * img->stride_y();
    const int sy = y + pan_y;
    for (int x = 0; x < w; ++x) {
      const int sx = x + pan_x;
      int v = (2 * sx + sy + 64 * sender) & 511;  // triangle wave: smooth, no edges
      v = v < 256 ? v : 511 - v;
      int luma = 40 + v * 150 / 255;
      // Static texture that moves with the pan (real detail to track).
      luma += static_cast<int>(hash3(static_cast<uint32_t>(sx >> 2), static_cast<uint32_t>(sy >> 2),
                                     static_cast<uint32_t>(sender)) %
                               25) -
              12;
      if (x >= bx && x < bx + box && y >= by && y < by + box) {
        luma = (((x - bx) >> 3) + ((y - by) >> 3)) & 1 ? 220 : 35;
      }
      // Sensor noise, new every frame.
      luma += static_cast<int>(hash3(static_cast<uint32_t>(x), static_cast<uint32_t>(y),
                                     static_cast<uint32_t>(frame)) %
                               5) -
              2;
      row[x] = clamp_u8(luma);
    }
  }
  for (int y = 0; y < img->chroma_height(); ++y) {
    uint8_t* u = img->u() + static_cast<size_t>(y) * img->stride_uv();
    uint8_t* v = img->v() + static_cast<size_t>(y) * img->stride_uv();
    for (int x = 0; x < img->chroma_width(); ++x) {
      const bool in_box = 2 * x >= bx && 2 * x < bx + box && 2 * y >= by && 2 * y < by + box;
      const int grad = ((x + pan_x / 2) * 30) / std::max(1, img->chroma_width()) - 15;
      u[x] = clamp_u8(128 + (in_box ? -tint_u : tint_u + grad));
      v[x] = clamp_u8(128 + (in_box ? -tint_v : tint_v - grad));
    }
  }
}

struct Payload {
  std::vector<uint8_t> bytes;  // VP8 descriptor + data
  bool marker = false;
};

struct SenderStream {
  std::vector<std::vector<uint8_t>> frames;  // encoded VP8, for IVF
  std::vector<std::vector<Payload>> payloads;
  int key_frames = 0;
  uint64_t bytes = 0;
  std::string error;
};

// Packetizes the encoded frames once, as the sender would.
void packetize_stream(SenderStream* s) {
  mcu::Vp8Packetizer packetizer(mcu::kDefaultVideoPayload);
  for (const auto& encoded : s->frames) {
    s->key_frames += !encoded.empty() && (encoded[0] & 1) == 0 ? 1 : 0;  // RFC 6386 9.1
    s->bytes += encoded.size();
    std::vector<Payload> packets;
    packetizer.packetize(encoded.data(), encoded.size(),
                         [&](const uint8_t* p, size_t len, bool marker) {
                           packets.push_back(Payload{std::vector<uint8_t>(p, p + len), marker});
                         });
    s->payloads.push_back(std::move(packets));
  }
}

SenderStream make_stream(const Options& o, int sender, int loop_frames, int bitrate) {
  SenderStream s;
  mcu::Vp8EncoderSettings settings;
  settings.width = o.sender_width;
  settings.height = o.sender_height;
  settings.fps = o.fps;
  settings.bitrate = bitrate;
  settings.cpu_used = o.sender_cpu_used;
  mcu::Vp8Encoder encoder;
  if (!encoder.configure(settings, &s.error)) return s;
  mcu::I420Image image(o.sender_width, o.sender_height);
  for (int f = 0; f < loop_frames; ++f) {
    draw_source(sender, f, &image);
    std::vector<uint8_t> encoded;
    bool key = false;
    // The loop restarts on a key frame, so it can repeat seamlessly.
    if (!encoder.encode(image, f == 0, &encoded, &key)) {
      s.error = "sender encode failed";
      return s;
    }
    s.frames.push_back(std::move(encoded));
  }
  packetize_stream(&s);
  return s;
}

uint64_t get_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Reads a VP8 IVF file (as written by write_ivf) as one loop of the stream.
SenderStream read_ivf(const std::string& path, int* width, int* height) {
  SenderStream s;
  FILE* fh = std::fopen(path.c_str(), "rb");
  if (fh == nullptr) {
    s.error = "cannot open " + path;
    return s;
  }
  std::vector<uint8_t> buf;
  uint8_t chunk[65536];
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof(chunk), fh)) > 0) buf.insert(buf.end(), chunk, chunk + n);
  std::fclose(fh);
  if (buf.size() < 32 || std::memcmp(buf.data(), "DKIF", 4) != 0 ||
      std::memcmp(buf.data() + 8, "VP80", 4) != 0) {
    s.error = path + ": not a VP8 IVF file";
    return s;
  }
  *width = static_cast<int>(get_le(buf.data() + 12, 2));
  *height = static_cast<int>(get_le(buf.data() + 14, 2));
  size_t pos = get_le(buf.data() + 6, 2);
  while (pos + 12 <= buf.size()) {
    const size_t len = get_le(buf.data() + pos, 4);
    pos += 12;
    if (len == 0 || len > buf.size() - pos) {
      s.error = path + ": truncated frame";
      return s;
    }
    s.frames.emplace_back(buf.begin() + static_cast<std::ptrdiff_t>(pos),
                          buf.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  }
  if (s.frames.empty() || (s.frames[0][0] & 1) != 0) {
    s.error = path + ": must start with a key frame";
    return s;
  }
  packetize_stream(&s);
  return s;
}

void put_le(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// IVF: 32-byte file header, then per frame a 12-byte header (size, pts).
bool write_ivf(const std::string& path, const Options& o, const SenderStream& s, int frames) {
  std::vector<uint8_t> buf = {'D', 'K', 'I', 'F'};
  put_le(&buf, 0, 2);   // version
  put_le(&buf, 32, 2);  // header size
  buf.insert(buf.end(), {'V', 'P', '8', '0'});
  put_le(&buf, static_cast<uint64_t>(o.sender_width), 2);
  put_le(&buf, static_cast<uint64_t>(o.sender_height), 2);
  put_le(&buf, static_cast<uint64_t>(o.fps), 4);  // time base denominator
  put_le(&buf, 1, 4);                             // time base numerator
  put_le(&buf, static_cast<uint64_t>(frames), 4);
  put_le(&buf, 0, 4);
  for (int f = 0; f < frames; ++f) {
    const auto& frame = s.frames[static_cast<size_t>(f) % s.frames.size()];
    put_le(&buf, frame.size(), 4);
    put_le(&buf, static_cast<uint64_t>(f), 8);
    buf.insert(buf.end(), frame.begin(), frame.end());
  }
  FILE* fh = std::fopen(path.c_str(), "wb");
  if (fh == nullptr) return false;
  const bool ok = std::fwrite(buf.data(), 1, buf.size(), fh) == buf.size();
  return std::fclose(fh) == 0 && ok;
}

uint64_t fnv1a(uint64_t h, const std::vector<uint8_t>& data) {
  for (uint8_t b : data) {
    h ^= b;
    h *= 0x100000001B3ull;
  }
  return h;
}

class CountingViewer : public mcu::VideoViewer {
 public:
  void send(const uint8_t*, size_t len) override {
    ++packets;
    bytes += len;
  }
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

// Keeps the composite's packets so they can be decoded after the run.
class RecordingViewer : public mcu::VideoViewer {
 public:
  explicit RecordingViewer(bool keep) : keep_(keep) {}
  void send(const uint8_t* p, size_t len) override {
    if (keep_) packets.emplace_back(p, p + len);
  }
  std::vector<std::vector<uint8_t>> packets;

 private:
  bool keep_;
};

class CountingFeedback : public mcu::VideoFeedback {
 public:
  void request_keyframe(bool fir) override { ++(fir ? firs : plis); }
  void cap_bitrate(uint32_t bps) override { cap = bps; }
  int plis = 0;
  int firs = 0;
  uint32_t cap = 0;
};

mcu::RoomVideoConfig room_config(const Options& o) {
  mcu::RoomVideoConfig config;
  config.encoder.width = o.width;
  config.encoder.height = o.height;
  config.encoder.fps = o.fps;
  config.encoder.bitrate = o.bitrate;
  config.encoder.threads = 1;
  config.encoder.cpu_used = o.cpu_used;
  config.layout = mcu::LayoutKind::kGrid;  // tiles_json() describes this layout
  return config;
}

// What each sender sends: --sender-bitrate, or less when the room's REMB caps
// it (twice its tile's share of the canvas bitrate), as a WebRTC sender obeys.
std::vector<int> sender_bitrates(const Options& o) {
  mcu::RoomVideo room(room_config(o), [] { return uint64_t{0}; });
  std::vector<std::shared_ptr<CountingFeedback>> feedback;
  for (int i = 0; i < o.senders; ++i) {
    feedback.push_back(std::make_shared<CountingFeedback>());
    room.add(static_cast<uint64_t>(i + 1), nullptr, feedback.back());
  }
  room.tick(kVirtualStartUs);
  std::vector<int> out;
  for (const auto& f : feedback) {
    const bool capped = o.obey_remb && f->cap > 0;
    out.push_back(capped ? std::min(o.sender_bitrate, static_cast<int>(f->cap)) : o.sender_bitrate);
  }
  return out;
}

struct SenderState {
  std::shared_ptr<mcu::ParticipantVideo> video;
  std::shared_ptr<CountingFeedback> feedback;
  uint16_t seq = 0;
  uint32_t ssrc = 0;
  uint32_t ts_base = 0;
};

// The picture rectangle in each tile, as composed (for the reference's layout).
std::string tiles_json(const Options& o) {
  std::string out;
  for (const auto& t : mcu::compute_layout(mcu::LayoutKind::kGrid, o.width, o.height, o.senders)) {
    const mcu::Rect r = mcu::fit_aspect(o.sender_width, o.sender_height, t);
    char b[96];
    std::snprintf(b, sizeof(b), "%s{\"x\":%d,\"y\":%d,\"w\":%d,\"h\":%d}", out.empty() ? "" : ",",
                  r.x, r.y, r.w, r.h);
    out += b;
  }
  return out;
}

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

double percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return static_cast<double>(v[i]);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  const bool realtime = o.mode == "realtime";
  // Measured frames, after `warmup` unmeasured ones.
  const int frames = std::max(1, static_cast<int>(std::lround(o.seconds * o.fps)));
  const int warmup = static_cast<int>(std::lround(o.warmup_seconds * o.fps));
  const int total = warmup + frames;

  // Input streams, before pinning (not measured): read, or one generator
  // thread per sender.
  std::vector<SenderStream> streams(static_cast<size_t>(o.senders));
  if (!o.ivf_in.empty()) {
    for (int i = 0; i < o.senders; ++i) {
      int w = 0, h = 0;
      auto& s = streams[static_cast<size_t>(i)];
      s = read_ivf(o.ivf_in + "/sender_" + std::to_string(i) + ".ivf", &w, &h);
      if (s.error.empty() && i > 0 && (w != o.sender_width || h != o.sender_height)) {
        s.error = "IVF inputs differ in size";
      }
      o.sender_width = w;
      o.sender_height = h;
    }
  } else {
    // Loops of different lengths (loop, loop * (1 - 1/2N), ...): after the
    // first frame the senders' key frames fall on different ticks, as they
    // would in a real room.
    const int loop = std::max(1, static_cast<int>(std::lround(o.loop_seconds * o.fps)));
    const std::vector<int> bitrates = sender_bitrates(o);
    std::vector<std::thread> workers;
    for (int i = 0; i < o.senders; ++i) {
      const int len = std::max(1, loop - i * loop / (2 * o.senders));
      const int bitrate = bitrates[static_cast<size_t>(i)];
      workers.emplace_back([&, i, len, bitrate] {
        streams[static_cast<size_t>(i)] = make_stream(o, i, len, bitrate);
      });
    }
    for (auto& t : workers) t.join();
  }
  uint64_t digest = 0xCBF29CE484222325ull;
  double input_kbps = 0;  // mean over senders
  double key_frames_per_s = 0;
  for (const auto& s : streams) {
    if (!s.error.empty()) {
      std::fprintf(stderr, "video_bench: %s\n", s.error.c_str());
      return 1;
    }
    for (const auto& f : s.frames) digest = fnv1a(digest, f);
    const double loop_s = static_cast<double>(s.frames.size()) / o.fps;
    input_kbps += static_cast<double>(s.bytes) * 8 / loop_s / 1000 / o.senders;
    key_frames_per_s += s.key_frames / loop_s / o.senders;
  }
  if (!o.dump_ivf.empty()) {
    mkdir(o.dump_ivf.c_str(), 0755);
    for (int i = 0; i < o.senders; ++i) {
      const std::string path = o.dump_ivf + "/sender_" + std::to_string(i) + ".ivf";
      if (!write_ivf(path, o, streams[static_cast<size_t>(i)], total)) {
        std::fprintf(stderr, "video_bench: cannot write %s\n", path.c_str());
        return 1;
      }
    }
  }

  if (o.mode == "prepare") {
    std::printf(
        "{\"tool\":\"video_bench\",\"mode\":\"prepare\",\"senders\":%d,"
        "\"frames\":%d,\"warmup_frames\":%d,\"streams_fnv64\":\"%016llx\",\"tiles\":[%s],"
        "\"ok\":true}\n",
        o.senders, frames, warmup, static_cast<unsigned long long>(digest), tiles_json(o).c_str());
    return 0;
  }

  bool pinned = false;
  if (o.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(o.cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
      std::fprintf(stderr, "video_bench: sched_setaffinity(%d): %s\n", o.cpu, std::strerror(errno));
      return 1;
    }
    pinned = true;
  }

  mcu::RoomVideo room(room_config(o), [] { return uint64_t{0}; });

  // Every participant views the composite, as in a real room; the first keeps
  // the packets when the output is to be verified.
  auto counter = std::make_shared<CountingViewer>();
  auto recorder = std::make_shared<RecordingViewer>(o.verify_output);
  std::vector<SenderState> senders(static_cast<size_t>(o.senders));
  for (int i = 0; i < o.senders; ++i) {
    auto& s = senders[static_cast<size_t>(i)];
    s.feedback = std::make_shared<CountingFeedback>();
    s.video = room.add(static_cast<uint64_t>(i + 1),
                       i == 0 ? std::shared_ptr<mcu::VideoViewer>(recorder) : counter, s.feedback);
    s.seq = static_cast<uint16_t>(1000 * i);
    s.ssrc = 0x10000u + static_cast<uint32_t>(i);
    s.ts_base = 12345u * static_cast<uint32_t>(i);
  }

  const int64_t interval_ns = 1000000000LL / o.fps;
  std::vector<std::vector<uint8_t>> tick_packets;  // this frame's RTP, all senders; reused
  std::vector<int64_t> work_ns;
  work_ns.reserve(static_cast<size_t>(frames));
  int64_t decode_cpu = 0;
  int64_t tick_cpu = 0;
  int64_t busy_wall = 0;
  int late_frames = 0;
  int64_t max_lateness_ns = 0;
  uint64_t inserted_packets = 0;

  rusage ru0{};
  int64_t start_ns = 0;  // of the measured frames
  int64_t start_cpu = 0;
  mcu::RoomVideoStats rs0;
  const int64_t clock_start_ns = monotonic_ns();
  for (int f = 0; f < total; ++f) {
    const bool measured = f >= warmup;
    if (f == warmup) {
      getrusage(RUSAGE_THREAD, &ru0);
      start_ns = monotonic_ns();
      start_cpu = thread_cpu_ns();
      rs0 = room.stats();
    }
    int64_t now_us = 0;
    if (realtime) {
      const int64_t deadline = clock_start_ns + f * interval_ns;
      const timespec ts{static_cast<time_t>(deadline / 1000000000),
                        static_cast<long>(deadline % 1000000000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
      }
      const int64_t now = monotonic_ns();
      const int64_t lateness = now - deadline;
      if (measured) {
        max_lateness_ns = std::max(max_lateness_ns, lateness);
        if (lateness > interval_ns / 2) ++late_frames;  // as RoomVideo::run counts them
      }
      now_us = now / 1000;
    } else {
      now_us = kVirtualStartUs + f * interval_ns / 1000;
    }

    // The senders' RTP for this frame (sender-side work: not measured).
    const uint32_t ts_offset = static_cast<uint32_t>(int64_t{f} * kRtpClock / o.fps);
    // PictureID keeps counting across loops, as a real sender's would.
    const uint16_t picture_id = static_cast<uint16_t>(f & 0x7FFF);
    size_t count = 0;
    for (size_t i = 0; i < senders.size(); ++i) {
      auto& s = senders[i];
      for (const auto& p :
           streams[i].payloads[static_cast<size_t>(f) % streams[i].payloads.size()]) {
        if (count == tick_packets.size()) tick_packets.emplace_back();
        auto& pkt = tick_packets[count++];
        pkt.resize(kRtpHeaderSize + p.bytes.size());
        const size_t hdr =
            mcu::write_rtp_header(pkt.data(), pkt.size(), kPayloadType, p.marker, s.seq++,
                                  s.ts_base + ts_offset, s.ssrc, 0, 0, false);
        std::copy(p.bytes.begin(), p.bytes.end(), pkt.begin() + static_cast<std::ptrdiff_t>(hdr));
        pkt[hdr + 2] = static_cast<uint8_t>(0x80 | (picture_id >> 8));
        pkt[hdr + 3] = static_cast<uint8_t>(picture_id & 0xFF);
      }
    }
    const int64_t w0 = monotonic_ns();
    const int64_t c0 = thread_cpu_ns();
    size_t k = 0;
    for (size_t i = 0; i < senders.size(); ++i) {
      const size_t n =
          streams[i].payloads[static_cast<size_t>(f) % streams[i].payloads.size()].size();
      for (size_t j = 0; j < n; ++j, ++k) {
        mcu::RtpPacketView view;
        if (mcu::parse_rtp(tick_packets[k].data(), tick_packets[k].size(), 0, &view)) {
          senders[i].video->insert(view, now_us);
          inserted_packets += measured ? 1 : 0;
        }
      }
    }
    const int64_t c1 = thread_cpu_ns();
    room.tick(now_us);
    const int64_t c2 = thread_cpu_ns();
    const int64_t w1 = monotonic_ns();
    if (!measured) continue;
    decode_cpu += c1 - c0;
    tick_cpu += c2 - c1;
    busy_wall += w1 - w0;
    work_ns.push_back(w1 - w0);
  }
  const int64_t wall_ns = monotonic_ns() - start_ns;
  const int64_t loop_cpu = thread_cpu_ns() - start_cpu;
  rusage ru1{};
  getrusage(RUSAGE_THREAD, &ru1);

  // Checks (after timing).
  const int64_t end_us =
      realtime ? monotonic_ns() / 1000 : kVirtualStartUs + total * interval_ns / 1000;
  int tiles_with_picture = 0;
  uint64_t min_decoded = UINT64_MAX;
  uint64_t decode_errors = 0, lost = 0, malformed = 0;
  int plis = 0, firs = 0;
  for (auto& s : senders) {
    const auto st = s.video->stats();
    min_decoded = std::min(min_decoded, st.frames_decoded);
    decode_errors += st.decode_errors;
    lost += st.lost_packets;
    malformed += st.malformed;
    plis += s.feedback->plis;
    firs += s.feedback->firs;
    if (s.video->with_picture(end_us - room.config().stale_after_us, [](const mcu::I420View&) {}))
      ++tiles_with_picture;
  }
  // Room counters of the measured frames only.
  mcu::RoomVideoStats rs = room.stats();
  const uint64_t all_frames = rs.frames;
  rs.frames -= rs0.frames;
  rs.key_frames -= rs0.key_frames;
  rs.packets -= rs0.packets;
  rs.bytes -= rs0.bytes;
  rs.compose_us -= rs0.compose_us;
  rs.encode_us -= rs0.encode_us;

  int verified_frames = -1;
  if (o.verify_output) {
    mcu::Vp8Depacketizer depacketizer;
    mcu::Vp8Decoder decoder;
    mcu::Vp8Frame frame;
    verified_frames = 0;
    for (const auto& p : recorder->packets) {
      mcu::RtpPacketView view;
      if (!mcu::parse_rtp(p.data(), p.size(), 0, &view)) continue;
      depacketizer.insert(view.seq, view.timestamp, view.marker, view.payload, view.payload_len);
      while (depacketizer.pop_frame(&frame)) {
        const bool ok = decoder.decode(frame.data.data(), frame.data.size());
        const mcu::I420View pic = decoder.picture();
        if (ok && pic.width == o.width && pic.height == o.height) ++verified_frames;
      }
    }
  }

  const bool ok = all_frames == static_cast<uint64_t>(total) && rs.encode_errors == 0 &&
                  min_decoded == static_cast<uint64_t>(total) && decode_errors == 0 && lost == 0 &&
                  malformed == 0 && tiles_with_picture == o.senders &&
                  (!o.verify_output || verified_frames == total);

  const double video_s = static_cast<double>(frames) / o.fps;
  const double cpu_s = static_cast<double>(decode_cpu + tick_cpu) / 1e9;
  const double tick_us_total = static_cast<double>(rs.compose_us + rs.encode_us);
  // RoomVideoStats times are wall clock; split the tick's CPU time in their ratio.
  const double compose_share = tick_us_total > 0 ? rs.compose_us / tick_us_total : 0;
  const double tick_cpu_s = static_cast<double>(tick_cpu) / 1e9;
  const double user_s = seconds(ru1.ru_utime) - seconds(ru0.ru_utime);
  const double sys_s = seconds(ru1.ru_stime) - seconds(ru0.ru_stime);

  std::printf(
      "{\"tool\":\"video_bench\",\"mode\":\"%s\",\"senders\":%d,\"cpu\":%d,\"pinned\":%s,"
      "\"canvas\":{\"width\":%d,\"height\":%d,\"fps\":%d,\"bitrate\":%d,\"cpu_used\":%d},"
      "\"sender\":{\"width\":%d,\"height\":%d,\"fps\":%d,\"bitrate\":%d,\"loop_frames\":%zu,"
      "\"kbps\":%.1f,\"key_frames_per_s\":%.3f},"
      "\"streams_fnv64\":\"%016llx\",\"tiles\":[%s],"
      "\"frames\":%d,\"warmup_frames\":%d,\"video_s\":%.3f,\"wall_s\":%.4f,\"busy_wall_s\":%.4f,"
      "\"cpu_s\":%.4f,\"loop_cpu_s\":%.4f,\"cpu_decode_s\":%.4f,\"cpu_tick_s\":%.4f,"
      "\"cpu_compose_s\":%.4f,\"cpu_encode_s\":%.4f,"
      "\"fps_wall\":%.2f,\"fps_cpu\":%.2f,\"cpu_per_video_s\":%.4f,"
      "\"frame_work_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
      "\"late_frames\":%d,\"max_lateness_ms\":%.3f,"
      "\"rusage\":{\"user_s\":%.3f,\"sys_s\":%.3f,\"nvcsw\":%ld,\"nivcsw\":%ld},"
      "\"output\":{\"frames\":%llu,\"key_frames\":%llu,\"packets\":%llu,\"kbps\":%.1f,"
      "\"max_tick_ms\":%.3f,\"verified_frames\":%d},"
      "\"participants\":{\"inserted_packets\":%llu,\"min_frames_decoded\":%llu,"
      "\"decode_errors\":%llu,\"lost_packets\":%llu,\"malformed\":%llu,\"plis\":%d,\"firs\":%d,"
      "\"tiles_with_picture\":%d},"
      "\"ok\":%s}\n",
      o.mode.c_str(), o.senders, o.cpu, pinned ? "true" : "false", o.width, o.height, o.fps,
      o.bitrate, o.cpu_used, o.sender_width, o.sender_height, o.fps, o.sender_bitrate,
      streams[0].frames.size(), input_kbps, key_frames_per_s,
      static_cast<unsigned long long>(digest), tiles_json(o).c_str(), frames, warmup, video_s,
      static_cast<double>(wall_ns) / 1e9, static_cast<double>(busy_wall) / 1e9, cpu_s,
      static_cast<double>(loop_cpu) / 1e9, static_cast<double>(decode_cpu) / 1e9, tick_cpu_s,
      tick_cpu_s * compose_share, tick_cpu_s * (1 - compose_share),
      frames / (static_cast<double>(busy_wall) / 1e9), frames / cpu_s, cpu_s / video_s,
      percentile(work_ns, 0.5) / 1e6, percentile(work_ns, 0.99) / 1e6,
      percentile(work_ns, 1.0) / 1e6, late_frames, static_cast<double>(max_lateness_ns) / 1e6,
      user_s, sys_s, ru1.ru_nvcsw - ru0.ru_nvcsw, ru1.ru_nivcsw - ru0.ru_nivcsw,
      static_cast<unsigned long long>(rs.frames), static_cast<unsigned long long>(rs.key_frames),
      static_cast<unsigned long long>(rs.packets),
      static_cast<double>(rs.bytes) * 8 / video_s / 1000, static_cast<double>(rs.max_tick_us) / 1e3,
      verified_frames, static_cast<unsigned long long>(inserted_packets),
      static_cast<unsigned long long>(min_decoded), static_cast<unsigned long long>(decode_errors),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(malformed), plis, firs,
      tiles_with_picture, ok ? "true" : "false");
  if (!ok) std::fprintf(stderr, "video_bench: pipeline check failed (see \"ok\" inputs)\n");
  return ok ? 0 : 1;
}
