package main

import (
	"math"
	"math/rand"
)

const (
	sampleRate   = 48000
	frameSamples = 960 // 20 ms
	cycleFrames  = 100 // 2 s: talker 0 opens every cycle with a marker burst
	burstFrames  = 10  // 200 ms
	markerHz     = 3000.0
	markerAmp    = 0.25
	// Speech stays well below the marker, so the marker is found in a mix that
	// carries the other talkers too.
	speechMaxHz = 1200.0
	speechAmp   = 0.12
	maxPauseMs  = 200 // a mixer's silence tail bridges it: the listeners' mix never stops
)

// frame is one pre-encoded 20 ms packet and its RFC 6464 level.
type frame struct {
	payload []byte
	level   uint8 // -dBov, 127 = silence
	voice   bool
}

// talkerPCM is `cycles` cycles of speech-like sound: voiced spurts (harmonics
// of a pitch that moves, under a syllable envelope) with short pauses; talker
// 0 opens each cycle with the marker tone instead.
func talkerPCM(index, cycles int) []float64 {
	rng := rand.New(rand.NewSource(int64(index) + 1))
	pcm := make([]float64, cycles*cycleFrames*frameSamples)
	i := 0
	for i < len(pcm) {
		if index == 0 && (i/frameSamples)%cycleFrames == 0 {
			burst := burstFrames * frameSamples
			ramp := sampleRate / 200 // 5 ms
			for j := 0; j < burst && i+j < len(pcm); j++ {
				g := math.Min(1, math.Min(float64(j), float64(burst-1-j))/float64(ramp))
				pcm[i+j] = markerAmp * g * math.Sin(2*math.Pi*markerHz*float64(j)/sampleRate)
			}
			i += burst + 2*frameSamples
			continue
		}
		spurt := sampleRate * (400 + rng.Intn(900)) / 1000
		pause := sampleRate * rng.Intn(maxPauseMs+1) / 1000
		if index == 0 {
			// Talker 0's spurts and pauses end where the next marker starts.
			next := ((i/frameSamples)/cycleFrames + 1) * cycleFrames * frameSamples
			spurt = min(spurt, next-i)
			pause = min(pause, next-i-spurt)
		}
		f0 := 100 + 120*rng.Float64()
		syllableHz := 3 + 3*rng.Float64()
		phase := 0.0
		for j := 0; j < spurt && i+j < len(pcm); j++ {
			t := float64(j) / sampleRate
			pitch := f0 * (1 + 0.08*math.Sin(2*math.Pi*0.7*t))
			phase += 2 * math.Pi * pitch / sampleRate
			env := 0.5 * (1 - math.Cos(2*math.Pi*syllableHz*t))
			edge := math.Min(1, math.Min(float64(j), float64(spurt-1-j))/(sampleRate/100))
			v := 0.0
			for k := 1; float64(k)*pitch < speechMaxHz; k++ {
				v += math.Sin(float64(k)*phase) / float64(k)
			}
			pcm[i+j] = speechAmp * env * edge * v / 2
		}
		i += spurt + pause
	}
	return pcm
}

func levelOf(pcm []float64) (uint8, bool) {
	sum := 0.0
	for _, v := range pcm {
		sum += v * v
	}
	rms := math.Sqrt(sum / float64(len(pcm)))
	if rms < 1e-5 {
		return 127, false
	}
	return uint8(math.Max(0, math.Min(127, math.Round(-20*math.Log10(rms))))), rms > 1e-3
}

func toInt16(pcm []float64) []int16 {
	out := make([]int16, len(pcm))
	for i, v := range pcm {
		out[i] = int16(math.Max(-32768, math.Min(32767, math.Round(v*32767))))
	}
	return out
}

// encodeTalker pre-encodes a talker's whole loop.
func encodeTalker(index, cycles, bitrate int) ([]frame, []int16, error) {
	enc, err := newEncoder(bitrate)
	if err != nil {
		return nil, nil, err
	}
	defer enc.close()
	pcm := talkerPCM(index, cycles)
	samples := toInt16(pcm)
	frames := make([]frame, 0, len(pcm)/frameSamples)
	for i := 0; i+frameSamples <= len(pcm); i += frameSamples {
		payload, err := enc.encode(samples[i : i+frameSamples])
		if err != nil {
			return nil, nil, err
		}
		level, voice := levelOf(pcm[i : i+frameSamples])
		frames = append(frames, frame{payload, level, voice})
	}
	return frames, samples, nil
}

// silentFrame is what a silent microphone sends once the encoder settled.
func silentFrame(bitrate int) (frame, error) {
	enc, err := newEncoder(bitrate)
	if err != nil {
		return frame{}, err
	}
	defer enc.close()
	zeros := make([]int16, frameSamples)
	var payload []byte
	for i := 0; i < 10; i++ {
		if payload, err = enc.encode(zeros); err != nil {
			return frame{}, err
		}
	}
	return frame{payload: payload, level: 127}, nil
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
