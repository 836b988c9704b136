package main

import "time"

// report summarises a run as JSON-ready data. Delivery counts packets received
// in the window against 50 per second; a lone talker's own mix (silence in a
// mixer) is left out. Latency comes from talker 0's marker bursts found by the
// monitored listeners, or in talker 0's own echo with EchoTest; with a mixer,
// the marker found in talker 0's own stream is counted as heard by itself.
func report(o options, pkg string, peers []*peer, sent []time.Duration, talker0 []int16,
	from, to time.Duration) map[string]any {
	echo := o.plugin == "echotest"
	expected := 50 * o.seconds
	var inWindow []time.Duration
	for _, s := range sent {
		if s >= from && s < to-searchWindow/2 {
			inWindow = append(inWindow, s)
		}
	}
	ref := analyseReference(talker0)
	var total, counted float64
	var gaps, repeated, reordered uint64
	minRatio, nothing := 1e9, 0
	var latencies, durations []float64
	expectedBursts, detectedBursts, selfHeard, undecodable := 0, 0, 0, 0
	perPeer := make([]map[string]any, 0, len(peers))
	for i, p := range peers {
		got := float64(p.received.Load())
		entry := map[string]any{"received": got, "sequence_gaps": p.gaps.Load(),
			"repeated": p.repeated.Load(), "reordered": p.reordered.Load()}
		gaps += p.gaps.Load()
		repeated += p.repeated.Load()
		reordered += p.reordered.Load()
		if echo || o.talkers != 1 || i != 0 {
			total += got
			counted++
			if got/expected < minRatio {
				minRatio = got / expected
			}
			if got == 0 {
				nothing++
			}
		}
		if p.monitored && o.talkers > 0 {
			p.mu.Lock()
			t, bad, err := decodeStream(p.packets)
			p.mu.Unlock()
			undecodable += bad
			entry["undecodable"] = bad
			if err == nil {
				results := detectBursts(t, inWindow, ref)
				found := 0
				for _, r := range results {
					if r.detected {
						found++
					}
				}
				entry["bursts_detected"] = found
				self := i == 0 && !echo
				listener := (echo && i == 0) || (!echo && i >= o.talkers)
				if self {
					selfHeard += found
				} else if listener {
					expectedBursts += len(results)
					detectedBursts += found
					for _, r := range results {
						if r.detected {
							latencies = append(latencies, r.latencyMs)
							durations = append(durations, r.durationMs)
						}
					}
				}
			}
		}
		perPeer = append(perPeer, entry)
	}
	if counted == 0 {
		minRatio = 0
	}
	ratio := 0.0
	if counted > 0 {
		ratio = total / (expected * counted)
	}
	return map[string]any{
		"plugin": pkg, "participants": o.peers, "talkers": o.talkers, "seconds": o.seconds,
		"warmup": o.warmup, "audio_levels": o.levels,
		"delivery": map[string]any{"ratio": ratio, "min_ratio": minRatio,
			"participants_with_nothing": nothing, "undecodable_packets": undecodable,
			"sequence_gaps": gaps, "repeated": repeated, "reordered": reordered},
		"bursts": map[string]any{"expected": expectedBursts, "detected": detectedBursts,
			"latency_ms_median": percentile(latencies, 0.5),
			"latency_ms_p95":    percentile(latencies, 0.95),
			"duration_ms_min":   percentile(durations, 0), "duration_ms_max": percentile(durations, 1),
			"sent_duration_ms": ref.durationMs, "heard_by_talker_itself": selfHeard},
		"peers": perPeer,
	}
}
