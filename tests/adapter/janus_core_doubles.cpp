// Test doubles of the Janus core's helpers that the adapter calls: they live
// in the janus executable, not in a library, so a test that links the adapter
// must bring them. The test drives plain-RTP joins and requests without a
// valid SDP, so the config and SDP-writing helpers must never run: each one
// aborts if it does, and the SDP parser refuses every offer.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "janus_api.h"

namespace {

[[noreturn]] void unexpected(const char* name) {
  std::fprintf(stderr, "test double: the adapter called %s, which this test never expects\n", name);
  std::abort();
}

}  // namespace

extern "C" {

int janus_log_level = LOG_WARN;
gboolean janus_log_timestamps = FALSE;
gboolean janus_log_colors = FALSE;
char* janus_log_global_prefix = nullptr;
int refcount_debug = 0;

void janus_vprintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
}

janus_plugin_result* janus_plugin_result_new(janus_plugin_result_type type, const char* text,
                                             json_t* content) {
  auto* result = static_cast<janus_plugin_result*>(g_malloc(sizeof(janus_plugin_result)));
  result->type = type;
  result->text = text;
  result->content = content;
  return result;
}

void janus_plugin_result_destroy(janus_plugin_result* result) {
  if (result->content != nullptr) json_decref(result->content);
  g_free(result);
}

void janus_plugin_rtp_extensions_reset(janus_plugin_rtp_extensions*) {
  unexpected("janus_plugin_rtp_extensions_reset");
}

janus_config* janus_config_parse(const char*) {
  unexpected("janus_config_parse");
}
void janus_config_destroy(janus_config*) {
  unexpected("janus_config_destroy");
}
GList* janus_config_get_categories(janus_config*, janus_config_container*) {
  unexpected("janus_config_get_categories");
}
GList* janus_config_get_items(janus_config*, janus_config_container*) {
  unexpected("janus_config_get_items");
}

janus_sdp* janus_sdp_parse(const char*, char* error, size_t errlen) {
  std::snprintf(error, errlen, "the test double parses no SDP");
  return nullptr;
}
void janus_sdp_destroy(janus_sdp*) {
  unexpected("janus_sdp_destroy");
}
janus_sdp* janus_sdp_generate_answer(janus_sdp*) {
  unexpected("janus_sdp_generate_answer");
}
int janus_sdp_generate_answer_mline(janus_sdp*, janus_sdp*, janus_sdp_mline*, ...) {
  unexpected("janus_sdp_generate_answer_mline");
}
int janus_sdp_get_codec_pt(janus_sdp*, int, const char*) {
  unexpected("janus_sdp_get_codec_pt");
}
char* janus_sdp_write(janus_sdp*) {
  unexpected("janus_sdp_write");
}

}  // extern "C"
