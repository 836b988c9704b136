// Ends WebRTC participants whose media stopped: no RTP or RTCP for general.media_timeout
// seconds. With its default keepalives (STUN indications, which need no answer) Janus never
// notices a browser that died without a word (killed, crashed, network gone): the participant
// would stay in the mix and its call would never end. Browsers send RTCP every few seconds
// even when muted, so silence on both means the peer is gone.
// It also ends participants the plugin called (join with generate_offer) whose answer
// has not come within general.offer_timeout seconds: a client that keeps its session
// alive but never answers would otherwise stay listed for good.
#pragma once

namespace conf {

// Checks every quarter of the shorter timeout (0: that check never runs).
void start_media_watchdog(int media_timeout_s, int offer_timeout_s);
void stop_media_watchdog();

}  // namespace conf
