package main

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v3"
)

// rxPacket is one received packet of a monitored peer, for the analysis.
type rxPacket struct {
	seq     uint32 // extended
	arrival time.Duration
	payload []byte
}

// peer is one participant: a PeerConnection with one Opus sendrecv track.
type peer struct {
	index    int
	pc       *webrtc.PeerConnection
	track    *webrtc.TrackLocalStaticRTP
	levelExt int // negotiated RFC 6464 extension ID, 0 = none
	seq      uint16
	ts       uint32
	handle   int64

	monitored bool
	counting  atomic.Bool // inside the measurement window
	received  atomic.Uint64
	// Sequence checks of what arrived in the window: numbers skipped, and
	// packets that came again or out of order.
	gaps      atomic.Uint64
	repeated  atomic.Uint64
	reordered atomic.Uint64
	mu        sync.Mutex
	packets   []rxPacket
	connected chan struct{}
}

// newAPI builds what every peer shares: one UDP socket (ICE UDP mux), one
// certificate, and the interceptors a browser runs for audio (NACK, RTCP
// sender and receiver reports); levels adds RFC 6464 to the offer.
func newAPI(bind string, levels bool) (*webrtc.API, net.PacketConn, error) {
	conn, err := net.ListenPacket("udp4", net.JoinHostPort(bind, "0"))
	if err != nil {
		return nil, nil, err
	}
	if u, ok := conn.(*net.UDPConn); ok {
		_ = u.SetReadBuffer(8 << 20)
		_ = u.SetWriteBuffer(8 << 20)
	}
	ip := net.ParseIP(bind)
	se := webrtc.SettingEngine{}
	// The mux reports its socket's closing at exit as an error: not one.
	quiet := logging.NewDefaultLoggerFactory()
	quiet.DefaultLogLevel = logging.LogLevelDisabled
	se.SetICEUDPMux(webrtc.NewICEUDPMux(quiet.NewLogger("ice"), conn))
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(candidate net.IP) bool { return candidate.Equal(ip) })
	se.SetICETimeouts(10*time.Second, 30*time.Second, 2*time.Second)
	// A packet relayed twice must reach the sequence check, not SRTP's replay filter.
	se.DisableSRTPReplayProtection(true)

	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: sampleRate, Channels: 2,
			SDPFmtpLine:  "minptime=10;useinbandfec=1",
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}}},
		PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, nil, err
	}
	if levels {
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI},
			webrtc.RTPCodecTypeAudio); err != nil {
			return nil, nil, err
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, nil, err
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se)), conn, nil
}

// newPeer creates the PeerConnection and returns the complete offer (no trickle).
func newPeer(api *webrtc.API, cert webrtc.Certificate, index int, monitored bool,
	clock func() time.Duration) (*peer, string, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{Certificates: []webrtc.Certificate{cert}})
	if err != nil {
		return nil, "", err
	}
	p := &peer{index: index, pc: pc, monitored: monitored, connected: make(chan struct{})}
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(p.connected) })
		}
	})
	p.track, err = webrtc.NewTrackLocalStaticRTP(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: sampleRate, Channels: 2},
		"audio", fmt.Sprintf("peer%d", index))
	if err != nil {
		return nil, "", err
	}
	tr, err := pc.AddTransceiverFromTrack(p.track,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv})
	if err != nil {
		return nil, "", err
	}
	// RTCP from Janus (NACKs, receiver reports) goes through the interceptors.
	go func() {
		for {
			if _, _, err := tr.Sender().ReadRTCP(); err != nil {
				return
			}
		}
	}()
	pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		go func() {
			for {
				if _, _, err := r.ReadRTCP(); err != nil {
					return
				}
			}
		}()
		go p.receive(t, clock)
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return nil, "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return nil, "", err
	}
	<-gathered
	return p, pc.LocalDescription().SDP, nil
}

func (p *peer) setAnswer(answer string) error {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{
		Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return err
	}
	for _, ext := range p.pc.GetTransceivers()[0].Sender().GetParameters().HeaderExtensions {
		if ext.URI == sdp.AudioLevelURI {
			p.levelExt = ext.ID
		}
	}
	return nil
}

func (p *peer) receive(t *webrtc.TrackRemote, clock func() time.Duration) {
	var cycles uint32
	var last, prev uint16
	first, seen := true, false
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		if !p.counting.Load() {
			prev, seen = pkt.SequenceNumber, true
			continue
		}
		p.received.Add(1)
		if seen {
			switch d := int16(pkt.SequenceNumber - prev); {
			case d == 0:
				p.repeated.Add(1)
			case d < 0:
				p.reordered.Add(1)
			case d > 1:
				p.gaps.Add(uint64(d - 1))
			}
		}
		if !seen || int16(pkt.SequenceNumber-prev) > 0 {
			prev = pkt.SequenceNumber
		}
		seen = true
		if !p.monitored {
			continue
		}
		if !first && pkt.SequenceNumber < last && last-pkt.SequenceNumber > 0x8000 {
			cycles += 1 << 16
		}
		if first || int16(pkt.SequenceNumber-last) > 0 {
			last = pkt.SequenceNumber
		}
		first = false
		payload := append([]byte(nil), pkt.Payload...)
		p.mu.Lock()
		p.packets = append(p.packets, rxPacket{cycles | uint32(pkt.SequenceNumber), clock(), payload})
		p.mu.Unlock()
	}
}

// send writes the next 20 ms frame, with its audio level when negotiated.
func (p *peer) send(f frame) error {
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: p.seq, Timestamp: p.ts},
		Payload: f.payload}
	p.seq++
	p.ts += frameSamples
	if p.levelExt != 0 {
		level := f.level
		if f.voice {
			level |= 0x80
		}
		if err := pkt.Header.SetExtension(uint8(p.levelExt), []byte{level}); err != nil {
			return err
		}
	}
	return p.track.WriteRTP(pkt)
}
