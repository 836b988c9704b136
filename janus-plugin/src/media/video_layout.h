// Tile geometry for the composited video of a room. Pure arithmetic, no Janus
// headers: used by the plugin and by unit tests alike.
//
// Every rectangle handed out has even x, y, w and h: in I420 one chroma sample
// covers 2x2 luma pixels, so a tile edge on an odd coordinate would share
// chroma samples with its neighbour and bleed colour across the seam. For the
// same reason an odd canvas dimension loses its last row or column (it stays
// background). Layouts change only when membership or the speaker changes, so
// callers compute them then and keep the result, not once per frame.
#pragma once

#include <vector>

namespace mcu {

struct Rect {
  int x = 0;
  int y = 0;
  int w = 0;
  int h = 0;
};

enum class LayoutKind { kGrid, kActiveSpeaker };

constexpr int kMaxLayoutTiles = 16;
// Small tiles per row of the active-speaker strip.
constexpr int kSpeakerStripColumns = 5;

// Columns and rows of the grid for n tiles: 1 -> 1x1, 2 -> 2x1 (side by side,
// full height), 3..4 -> 2x2, 5..9 -> 3x3, 10..16 -> 4x4. n outside 1..16 gives
// 0x0.
void grid_dimensions(int n, int* columns, int* rows);

// Tile rectangles for n participants (1..16) on a canvas_w x canvas_h canvas,
// indexed like the participants.
//
// kGrid: the even-floored canvas is cut into equal cells (the remainder of
// the division goes to no one: cell edges sit at even_floor(i * W / cols)),
// and tile i takes cell i in reading order. Unused cells (3 of 4, 5 of 9, ...)
// stay background. `speaker` is ignored.
//
// kActiveSpeaker: with one participant its tile is the whole canvas. Otherwise
// small tiles are even_floor(W / 5) x even_floor(H / 5), so they keep the
// canvas aspect ratio, and sit in a strip along the bottom, up to 5 per row, in
// participant order without the speaker; a last row with fewer than 5 is
// centred. More than 5 others add rows above the first (6..10 others: 2 rows,
// 11..15: 3 rows), growing the strip upwards. The speaker takes the full width
// above the strip, so with 15 others it keeps 2/5 of the height. A speaker
// outside 0..n-1 (no one has spoken yet) is treated as participant 0.
//
// Returns an empty vector when n is outside 1..16 or the canvas is too small
// for every tile to be at least 2x2.
std::vector<Rect> compute_layout(LayoutKind kind, int canvas_w, int canvas_h, int n,
                                 int speaker = 0);

// The largest rectangle with the aspect ratio of a src_w x src_h source that
// fits into `tile`, centred: a wider source gets bars above and below
// (letterbox), a taller one bars left and right (pillarbox). The result is
// even-aligned, at least 2x2, and inside the tile after the tile itself is
// shrunk to even edges; centring rounds down to an even offset, so the bars may
// differ by 2 pixels. A non-positive source size returns the (even-shrunk)
// tile; a tile with no even 2x2 area inside returns a rectangle with w = h = 0.
Rect fit_aspect(int src_w, int src_h, const Rect& tile);

}  // namespace mcu
