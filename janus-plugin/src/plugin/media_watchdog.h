// Ends WebRTC participants whose media stopped: no RTP or RTCP for general.media_timeout
// seconds. With its default keepalives (STUN indications, which need no answer) Janus never
// notices a browser that died without a word (killed, crashed, network gone): the participant
// would stay in the mix and its call would never end. Browsers send RTCP every few seconds
// even when muted, so silence on both means the peer is gone.
#pragma once

namespace conf {

// Checks every timeout_s / 4 seconds (0: never).
void start_media_watchdog(int timeout_s);
void stop_media_watchdog();

}  // namespace conf
