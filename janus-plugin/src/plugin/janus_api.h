// The only way plugin code includes Janus: GLib and Jansson first, then the
// Janus headers with C linkage (they have no extern "C" guards of their own).
#pragma once

#include <glib.h>
#include <jansson.h>

// Prefixed paths: our own rtp.h and log.h must not shadow Janus' ones.
extern "C" {
#include <janus/apierror.h>
#include <janus/config.h>
#include <janus/debug.h>
#include <janus/plugins/plugin.h>
#include <janus/refcount.h>
#include <janus/rtp.h>
#include <janus/sdp-utils.h>
}
