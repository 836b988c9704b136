// webrtc_load joins N WebRTC audio peers to a Janus plugin (ours, AudioBridge
// or EchoTest) through Janus' HTTP API, all from one process and one UDP
// socket, and reports what came back: packets per peer, the talker's marker
// bursts found in the decoded audio and their added latency, and Janus' CPU,
// memory and threads (with -janus-pid). See bench/run_webrtc_bench.py.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	mrand "math/rand"
	"os"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"
)

const (
	bitrate        = 32000
	connectTimeout = 60 * time.Second
)

var plugins = map[string]string{
	"conference":  "janus.plugin.conference",
	"audiobridge": "janus.plugin.audiobridge",
	"echotest":    "janus.plugin.echotest",
}

type options struct {
	janus, plugin, bind      string
	peers, talkers, monitors int
	seconds, warmup          float64
	levels                   bool
	janusPid, parallel       int
	room                     int64
}

func parseOptions() options {
	var o options
	flag.StringVar(&o.janus, "janus", "http://127.0.0.1:8088/janus", "Janus HTTP API URL")
	flag.StringVar(&o.plugin, "plugin", "conference", "conference, audiobridge or echotest")
	flag.StringVar(&o.bind, "bind", "", "local IPv4 address of the one UDP socket (required)")
	flag.IntVar(&o.peers, "peers", 10, "participants")
	flag.IntVar(&o.talkers, "talkers", 1, "participants sending speech (talker 0 also the marker)")
	flag.IntVar(&o.monitors, "monitors", 4, "listeners whose audio is decoded and analysed (-1 = all)")
	flag.Float64Var(&o.seconds, "seconds", 10, "measurement window")
	flag.Float64Var(&o.warmup, "warmup", 3, "warm-up after every peer connected")
	flag.BoolVar(&o.levels, "audio-levels", true, "offer and send RFC 6464 audio levels")
	flag.IntVar(&o.janusPid, "janus-pid", 0, "Janus' pid, for its CPU, RSS and threads")
	flag.IntVar(&o.parallel, "parallel", 8, "joins in flight at once")
	flag.Int64Var(&o.room, "room", 0, "room ID (default random)")
	flag.Parse()
	return o
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "webrtc_load: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	o := parseOptions()
	pkg, ok := plugins[o.plugin]
	if !ok || o.bind == "" || o.peers < 1 || o.talkers < 0 || o.talkers > o.peers {
		flag.Usage()
		os.Exit(2)
	}
	if o.room == 0 {
		o.room = 1 + mrand.New(mrand.NewSource(time.Now().UnixNano())).Int63n(1<<40)
	}
	start := time.Now()
	clock := func() time.Duration { return time.Since(start) }

	talkers := make([][]frame, o.talkers)
	var talker0 []int16
	for k := range talkers {
		var err error
		var pcm []int16
		if talkers[k], pcm, err = encodeTalker(k, 5, bitrate); err != nil {
			fail("%v", err)
		}
		if k == 0 {
			talker0 = pcm
		}
	}
	silent, err := silentFrame(bitrate)
	if err != nil {
		fail("%v", err)
	}

	api, conn, err := newAPI(o.bind, o.levels)
	if err != nil {
		fail("%v", err)
	}
	defer conn.Close()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail("%v", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		fail("%v", err)
	}
	janus, err := newJanusClient(o.janus)
	if err != nil {
		fail("janus: %v", err)
	}
	defer janus.destroy()
	control, err := janus.attach(pkg)
	if err != nil {
		fail("attach: %v", err)
	}
	if o.plugin != "echotest" {
		if _, err := janus.request(control, map[string]any{"request": "create", "room": o.room,
			"sampling_rate": sampleRate}); err != nil {
			fail("create room: %v", err)
		}
		defer janus.request(control, map[string]any{"request": "destroy", "room": o.room})
	}

	peers := make([]*peer, o.peers)
	joinStart := time.Now()
	if err := joinAll(o, pkg, janus, api, *cert, peers, clock); err != nil {
		fail("%v", err)
	}
	// A peer that does not connect in time (an overloaded Janus) is a result:
	// it is counted as receiving nothing.
	notConnected := 0
	deadline := time.Now().Add(connectTimeout)
	for _, p := range peers {
		select {
		case <-p.connected:
		case <-time.After(time.Until(deadline)):
			notConnected++
		}
	}
	joinSeconds := time.Since(joinStart).Seconds()
	defer func() {
		for _, p := range peers {
			p.pc.Close()
		}
	}()

	// One sender for all peers on a fixed 20 ms schedule.
	var sent []time.Duration // talker 0's marker bursts
	var maxLag time.Duration
	var sendErrors int
	stop := make(chan struct{})
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		next := time.Now()
		for tick := 0; ; tick++ {
			select {
			case <-stop:
				return
			default:
			}
			time.Sleep(time.Until(next))
			if lag := time.Since(next); lag > maxLag {
				maxLag = lag
			}
			for i, p := range peers {
				f := silent
				if i < len(talkers) {
					f = talkers[i][tick%len(talkers[i])]
				}
				if i == 0 && len(talkers) > 0 && tick%cycleFrames == 0 {
					sent = append(sent, clock())
				}
				if p.send(f) != nil {
					sendErrors++
				}
			}
			next = next.Add(20 * time.Millisecond)
		}
	}()

	time.Sleep(time.Duration(o.warmup * float64(time.Second)))
	windowFrom := clock()
	cpu0, switches0 := janusCPU(o.janusPid), janusSwitches(o.janusPid)
	for _, p := range peers {
		p.counting.Store(true)
	}
	time.Sleep(time.Duration(o.seconds * float64(time.Second)))
	for _, p := range peers {
		p.counting.Store(false)
	}
	cpu1, switches1 := janusCPU(o.janusPid), janusSwitches(o.janusPid)
	windowTo := clock()
	rss, threads := janusStatus(o.janusPid)
	// Bursts sent late in the window may still be on their way.
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-senderDone

	var mixer map[string]any
	if o.plugin == "conference" {
		if data, err := janus.request(control, map[string]any{"request": "listparticipants",
			"room": o.room}); err == nil {
			mixer, _ = data["mixer"].(map[string]any)
		}
	}

	r := report(o, pkg, peers, sent, talker0, windowFrom, windowTo)
	r["join_seconds"] = joinSeconds
	r["not_connected"] = notConnected
	r["loadgen"] = map[string]any{"max_send_lag_us": maxLag.Microseconds(), "send_errors": sendErrors}
	if o.janusPid > 0 && cpu0 >= 0 && cpu1 >= 0 {
		secs := (cpu1 - cpu0)
		r["cpu"] = map[string]any{"seconds": secs,
			"percent_of_core":          100 * secs / o.seconds,
			"ms_per_participant_per_s": 1000 * secs / o.seconds / float64(o.peers)}
		if switches0 >= 0 && switches1 >= 0 {
			r["janus_sleeps_per_s"] = float64(switches1-switches0) / o.seconds
		}
		r["janus_at_window_end"] = map[string]any{"rss_kb": rss, "threads": threads}
	}
	if mixer != nil {
		r["mixer"] = mixer
	}
	out, _ := json.MarshalIndent(r, "", " ")
	fmt.Println(string(out))
}

// joinAll creates the peers and joins them, o.parallel at a time.
func joinAll(o options, pkg string, janus *janusClient, api *webrtc.API, cert webrtc.Certificate,
	peers []*peer, clock func() time.Duration) error {
	monitored := func(i int) bool {
		// Talker 0 (itself, or its echo) and the last o.monitors listeners.
		return i == 0 || o.monitors < 0 || i >= o.peers-o.monitors
	}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, o.parallel)
	var wg sync.WaitGroup
	for i := range peers {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			err := joinOne(o, pkg, janus, api, cert, peers, i, monitored(i), clock)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("peer %d: %w", i, err)
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return firstErr
}

func joinOne(o options, pkg string, janus *janusClient, api *webrtc.API, cert webrtc.Certificate,
	peers []*peer, i int, monitored bool, clock func() time.Duration) error {
	p, offer, err := newPeer(api, cert, i, monitored, clock)
	if err != nil {
		return err
	}
	peers[i] = p
	if p.handle, err = janus.attach(pkg); err != nil {
		return err
	}
	body := map[string]any{"audio": true, "video": false}
	if o.plugin != "echotest" {
		body = map[string]any{"request": "join", "room": o.room, "display": fmt.Sprintf("peer%d", i)}
	}
	answer, err := janus.offer(p.handle, body, offer, 60*time.Second)
	if err != nil {
		return err
	}
	return p.setAnswer(answer)
}
