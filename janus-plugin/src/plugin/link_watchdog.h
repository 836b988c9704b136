// Removes links whose far side went quiet: a link is sent its mix every tick,
// silence included, so nothing from the far instance for its link_timeout
// means that instance (or the path to it) is gone. The link's handle gets an
// event with `link_lost`; the others see it leave; the room goes on without it.
#pragma once

namespace conf {

void start_link_watchdog();
void stop_link_watchdog();

}  // namespace conf
