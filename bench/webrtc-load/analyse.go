package main

import (
	"math"
	"sort"
	"time"
)

// The marker analysis follows bench/loadgen/burst_detect.cpp: Goertzel at the
// marker frequency in 2.5 ms blocks of the decoded stream; a burst's onset is
// the first block above half the amplitude the talker's own stream has.
const (
	block          = 120 // 2.5 ms
	blocksPerFrame = frameSamples / block
	blockMs        = 1000.0 * block / sampleRate
	onsetFraction  = 0.5
	maxGapBlocks   = 4
	searchWindow   = time.Second
	maxConcealed   = 10
)

func goertzel(x []int16) float64 {
	w := 2 * math.Pi * markerHz / sampleRate
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v)/32768 + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	return 2 * math.Sqrt(math.Max(s1*s1+s2*s2-coeff*s1*s2, 0)) / block
}

// timeline is a decoded stream: the arrival of each 20 ms frame (-1 when
// concealed) and the marker amplitude of each block.
type timeline struct {
	arrival []time.Duration
	amp     []float64
}

func (t *timeline) add(pcm []int16, arrival time.Duration) {
	t.arrival = append(t.arrival, arrival)
	for b := 0; b < blocksPerFrame; b++ {
		t.amp = append(t.amp, goertzel(pcm[b*block:(b+1)*block]))
	}
}

// decodeStream decodes packets in sequence order, concealing short holes;
// it also returns how many packets did not decode as 20 ms frames.
func decodeStream(packets []rxPacket) (timeline, int, error) {
	var t timeline
	dec, err := newDecoder()
	if err != nil {
		return t, 0, err
	}
	defer dec.close()
	sorted := append([]rxPacket(nil), packets...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].seq < sorted[j].seq })
	bad := 0
	for i, p := range sorted {
		if i > 0 {
			if p.seq == sorted[i-1].seq {
				continue
			}
			for g := uint32(0); g < p.seq-sorted[i-1].seq-1 && g < maxConcealed; g++ {
				if pcm := dec.decode(nil); len(pcm) == frameSamples {
					t.add(pcm, -1)
				}
			}
		}
		pcm := dec.decode(p.payload)
		if len(pcm) != frameSamples {
			bad++
			continue
		}
		t.add(pcm, p.arrival)
	}
	return t, bad, nil
}

type found struct {
	ok         bool
	onset, end int
}

func findBurst(amp []float64, from, to int, threshold float64) found {
	i := from
	for i < to && amp[i] < threshold {
		i++
	}
	if i >= to {
		return found{}
	}
	f := found{ok: true, onset: i, end: i + 1}
	gap := 0
	for j := i + 1; j < len(amp) && gap <= maxGapBlocks; j++ {
		if amp[j] >= threshold {
			f.end, gap = j+1, 0
		} else {
			gap++
		}
	}
	return f
}

// reference is the marker as it leaves talker 0.
type reference struct {
	amplitude, onsetMs, durationMs float64
}

func analyseReference(talker0 []int16) reference {
	var t timeline
	dec, err := newDecoder()
	if err != nil {
		return reference{}
	}
	defer dec.close()
	enc, err := newEncoder(bitrate)
	if err != nil {
		return reference{}
	}
	defer enc.close()
	// Encode and decode the first cycle twice; the second pass is steady state.
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < cycleFrames; i++ {
			payload, _ := enc.encode(talker0[i*frameSamples : (i+1)*frameSamples])
			if pcm := dec.decode(payload); pass == 1 && len(pcm) == frameSamples {
				t.add(pcm, 0)
			}
		}
	}
	during := append([]float64(nil), t.amp[blocksPerFrame:(burstFrames-1)*blocksPerFrame]...)
	sort.Float64s(during)
	ref := reference{amplitude: during[len(during)/2]}
	f := findBurst(t.amp, 0, cycleFrames/2*blocksPerFrame, onsetFraction*ref.amplitude)
	ref.onsetMs = float64(f.onset) * blockMs
	ref.durationMs = float64(f.end-f.onset) * blockMs
	return ref
}

type burstResult struct {
	detected   bool
	latencyMs  float64
	durationMs float64
}

// detectBursts looks for each burst sent at `sent` in the stream.
func detectBursts(t timeline, sent []time.Duration, ref reference) []burstResult {
	out := make([]burstResult, 0, len(sent))
	for _, s := range sent {
		r := burstResult{}
		first, last := len(t.arrival), 0
		for i, a := range t.arrival {
			if a < s || a > s+searchWindow {
				continue
			}
			if i < first {
				first = i
			}
			last = i + 1
		}
		if first < last {
			f := findBurst(t.amp, first*blocksPerFrame, last*blocksPerFrame, onsetFraction*ref.amplitude)
			if f.ok && t.arrival[f.onset/blocksPerFrame] >= 0 {
				onset := float64(t.arrival[f.onset/blocksPerFrame]) +
					float64(f.onset%blocksPerFrame)*blockMs*1e6
				r = burstResult{detected: true,
					latencyMs:  (onset-float64(s))/1e6 - ref.onsetMs,
					durationMs: float64(f.end-f.onset) * blockMs}
			}
		}
		out = append(out, r)
	}
	return out
}

// percentile is nearest-rank; q in [0, 1].
func percentile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}
