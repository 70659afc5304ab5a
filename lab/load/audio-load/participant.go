package main

import (
	"context"
	"sync"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// participant is one member in the call: a LiveKit room connection subscribed to every audio track, and for a
// speaker a published microphone track fed with frames every 20 ms.
type participant struct {
	index   int
	speaker bool
	room    *lksdk.Room
	delays  *delayHistogram

	mu     sync.Mutex
	tracks map[string]*trackStats // by the publishing participant's identity

	joinStart   time.Time
	stopSending chan struct{}
	outcome     joinOutcome
}

// joinOutcome is how one member's join went; times are from the start of its token request.
type joinOutcome struct {
	Member    int      `json:"member"`
	Speaker   bool     `json:"speaker"`
	TokenMs   float64  `json:"tokenMs"`
	ConnectMs float64  `json:"connectMs"`
	AudioMs   *float64 `json:"audioMs"`
	Stage     string   `json:"stage,omitempty"`
	Error     string   `json:"error,omitempty"`
}

func newParticipant(index int, speaker bool, delays *delayHistogram) *participant {
	return &participant{
		index:       index,
		speaker:     speaker,
		delays:      delays,
		tracks:      map[string]*trackStats{},
		stopSending: make(chan struct{}),
		outcome:     joinOutcome{Member: index, Speaker: speaker},
	}
}

func since(start time.Time) float64 { return float64(time.Since(start).Microseconds()) / 1000 }

// join runs the member's whole path to the call; the outcome records how far it got and how long each part took.
func (p *participant) join(c config, m member) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), seconds(c.JoinTimeoutSeconds))
	defer cancel()
	grant, err := callToken(ctx, c, m)
	p.outcome.TokenMs = since(start)
	if err != nil {
		p.fail("token", err)
		return
	}
	p.room = lksdk.NewRoom(&lksdk.RoomCallback{
		ParticipantCallback: lksdk.ParticipantCallback{OnTrackSubscribed: p.onTrackSubscribed},
	})
	remaining := time.Until(start.Add(seconds(c.JoinTimeoutSeconds)))
	// TURN stays out: the generator reaches LiveKit directly, and relays are coturn's capacity, not LiveKit's. The
	// SDK keeps the join's context for later reconnections: it must outlive the token request's timeout.
	err = p.room.JoinWithContextAndToken(context.Background(), grant.URL, grant.JWT,
		lksdk.WithAutoSubscribe(true), lksdk.WithDisableTURN(), lksdk.WithConnectTimeout(remaining))
	p.outcome.ConnectMs = since(start)
	if err != nil {
		p.fail("connect", err)
		return
	}
	if p.speaker {
		if err := p.publish(c.BitsPerSecond); err != nil {
			p.fail("publish", err)
		}
	}
	p.startedAt(start)
}

func (p *participant) fail(stage string, err error) {
	p.outcome.Stage = stage
	p.outcome.Error = err.Error()
}

func (p *participant) startedAt(start time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outcome.Stage = "joined"
	p.joinStart = start
}

// publish adds the microphone track and sends a frame every 20 ms until stopped.
func (p *participant) publish(bitsPerSecond int) error {
	track, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
	})
	if err != nil {
		return err
	}
	_, err = p.room.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
		Name: "microphone", Source: livekit.TrackSource_MICROPHONE,
	})
	if err != nil {
		return err
	}
	size := payloadBytes(bitsPerSecond)
	go func() {
		ticker := time.NewTicker(frameDuration)
		defer ticker.Stop()
		for {
			select {
			case <-p.stopSending:
				return
			case now := <-ticker.C:
				_ = track.WriteSample(media.Sample{Data: newFrame(size, now), Duration: frameDuration}, nil)
			}
		}
	}()
	return nil
}

// onTrackSubscribed reads every packet of a subscribed audio track into its statistics until the track ends.
func (p *participant) onTrackSubscribed(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
	if track.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	stats := newTrackStats(track.Codec().ClockRate, p.delays)
	p.mu.Lock()
	p.tracks[rp.Identity()] = stats
	p.mu.Unlock()
	go func() {
		buffer := make([]byte, 1500)
		var packet rtp.Packet
		for {
			n, _, err := track.Read(buffer)
			if err != nil {
				return
			}
			if packet.Unmarshal(buffer[:n]) != nil {
				continue
			}
			stats.add(packet.SequenceNumber, packet.Timestamp, time.Now(), sentAt(packet.Payload))
		}
	}()
}

func (p *participant) trackList() map[string]*trackStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	copied := make(map[string]*trackStats, len(p.tracks))
	for identity, stats := range p.tracks {
		copied[identity] = stats
	}
	return copied
}

// audioMs is the time from the start of the member's token request to the first packet of any track it hears.
func (p *participant) audioMs() *float64 {
	p.mu.Lock()
	start := p.joinStart
	p.mu.Unlock()
	var first time.Time
	for _, stats := range p.trackList() {
		if at := stats.first(); !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if first.IsZero() || start.IsZero() {
		return nil
	}
	ms := float64(first.Sub(start).Microseconds()) / 1000
	return &ms
}

func (p *participant) joined() bool { return p.outcome.Stage == "joined" }

// leave stops sending and disconnects, bounded in time by the caller.
func (p *participant) leave() {
	close(p.stopSending)
	if p.room != nil {
		p.room.Disconnect()
	}
}
