// Writes recording-started.opus, the announcement the glue plays (play_file)
// when a recording starts: a beep pattern, no speech. Run by the build.
#include <opusenc.h>

#include <cstdio>
#include <memory>

#include "tone_pattern.h"

namespace {

struct CommentsFree {
  void operator()(OggOpusComments* c) const { ope_comments_destroy(c); }
};
struct EncoderFree {
  void operator()(OggOpusEnc* e) const { ope_encoder_destroy(e); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT.opus\n", argv[0]);
    return 2;
  }
  const mcu::Pcm pcm = mcu::recording_started_tone();
  std::unique_ptr<OggOpusComments, CommentsFree> comments(ope_comments_create());
  if (!comments || ope_comments_add(comments.get(), "TITLE", "Recording started") != OPE_OK) {
    std::fprintf(stderr, "%s: out of memory\n", argv[0]);
    return 1;
  }
  int error = OPE_OK;
  std::unique_ptr<OggOpusEnc, EncoderFree> enc(
      ope_encoder_create_file(argv[1], comments.get(), 48000, 1, 0, &error));
  if (!enc) {
    std::fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], ope_strerror(error));
    return 1;
  }
  // A fixed serial number: the same bytes on every build.
  if ((error = ope_encoder_ctl(enc.get(), OPE_SET_SERIALNO(0x4a434e46))) != OPE_OK ||
      (error = ope_encoder_write(enc.get(), pcm.data(), static_cast<int>(pcm.size()))) != OPE_OK ||
      (error = ope_encoder_drain(enc.get())) != OPE_OK) {
    std::fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], ope_strerror(error));
    return 1;
  }
  return 0;
}
