// Stable error codes of the request API. The numbers are AudioBridge's where
// the meaning is the same, so clients written for it read them unchanged.
#pragma once

namespace conf {

enum ErrorCode : int {
  kErrNoMessage = 480,
  kErrInvalidJson = 481,
  kErrInvalidRequest = 482,
  kErrMissingElement = 483,
  kErrInvalidElement = 484,
  kErrNoSuchRoom = 485,
  kErrRoomExists = 486,
  kErrNotJoined = 487,
  kErrLibopus = 488,
  kErrUnauthorized = 489,
  kErrIdExists = 490,
  kErrAlreadyJoined = 491,
  kErrNoSuchUser = 492,
  kErrInvalidSdp = 493,
  kErrRoomFull = 495,
  kErrRtpSetup = 496,
  kErrTooManyRooms = 497,  // ours: general.max_rooms reached
  kErrNoSuchFile = 498,    // ours: stop_file names no playing file
  kErrUnknown = 499,
};

}  // namespace conf
