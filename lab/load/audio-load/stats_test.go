package main

import (
	"math"
	"testing"
	"time"
)

// Packets every 20 ms at 48 kHz (960 timestamp units) starting at `seq`, arriving `delay` after their send time.
func feed(t *trackStats, from time.Time, seqs []uint16, arrivalJitter func(i int) time.Duration) {
	for i, seq := range seqs {
		sent := from.Add(time.Duration(seq) * frameDuration)
		arrival := sent.Add(5 * time.Millisecond).Add(arrivalJitter(i))
		t.add(seq, uint32(seq)*960, arrival, sent.UnixNano())
	}
}

func steady(int) time.Duration { return 0 }

func sequence(from, count int) []uint16 {
	seqs := make([]uint16, count)
	for i := range seqs {
		seqs[i] = uint16(from + i)
	}
	return seqs
}

func TestWindowCountsLossAcrossTheSequenceWrap(t *testing.T) {
	stats := newTrackStats(48000, nil)
	start := time.Unix(1000, 0)
	feed(stats, start, sequence(65500, 10), steady) // 65500..65509
	stats.openWindow()
	seqs := sequence(65510, 100) // 65510..65535, 0..73: wraps
	kept := seqs[:0]
	for i, s := range seqs {
		if i%10 != 3 { // every tenth packet lost
			kept = append(kept, s)
		}
	}
	feed(stats, start, kept, steady)
	got := stats.closeWindow()
	if got.Expected != 100 || got.Received != 90 || got.Lost != 10 {
		t.Fatalf("expected 100 received 90 lost 10, got %+v", got)
	}
}

func TestDuplicatesAndLateRetransmissionsCountOnce(t *testing.T) {
	stats := newTrackStats(48000, nil)
	start := time.Unix(1000, 0)
	feed(stats, start, []uint16{1}, steady)
	stats.openWindow()
	// 2..6 with 4 missing, then 4 late (a retransmission) and 5 twice
	feed(stats, start, []uint16{2, 3, 5, 6, 4, 5}, steady)
	got := stats.closeWindow()
	if got.Expected != 5 || got.Received != 5 || got.Lost != 0 {
		t.Fatalf("a late packet fills its gap and a duplicate is no packet: %+v", got)
	}
}

func TestJitterFollowsRFC3550(t *testing.T) {
	// Constant transit: no jitter.
	stats := newTrackStats(48000, nil)
	start := time.Unix(2000, 0)
	feed(stats, start, sequence(0, 1), steady)
	stats.openWindow()
	feed(stats, start, sequence(1, 200), steady)
	if got := stats.closeWindow(); got.JitterMeanMs > 0.05 || got.JitterMaxMs > 0.05 {
		t.Fatalf("steady arrivals gave jitter %+v", got)
	}
	// Arrivals alternating 0 and 10 ms late: |D| = 10 ms every packet, so J converges to 10 ms (J += (|D|-J)/16).
	alternating := newTrackStats(48000, nil)
	feed(alternating, start, sequence(0, 1), steady)
	alternating.openWindow()
	feed(alternating, start, sequence(1, 400), func(i int) time.Duration {
		return time.Duration(i%2) * 10 * time.Millisecond
	})
	got := alternating.closeWindow()
	if math.Abs(got.JitterMaxMs-10) > 0.1 {
		t.Fatalf("J should converge to 10 ms, max was %.3f", got.JitterMaxMs)
	}
	// The mean over the window includes the rise from 0: 1 - (15/16)^n sums to a little under 10 ms.
	if got.JitterMeanMs < 9 || got.JitterMeanMs > 10 {
		t.Fatalf("mean jitter %.3f ms, want just under 10", got.JitterMeanMs)
	}
}

func TestNothingBeforeTheWindowMeansNothingExpected(t *testing.T) {
	stats := newTrackStats(48000, nil)
	stats.openWindow()
	if got := stats.closeWindow(); got != (windowResult{}) {
		t.Fatalf("a track that never sent expects nothing: %+v", got)
	}
}

func TestDelayPercentiles(t *testing.T) {
	h := &delayHistogram{}
	h.add(int64(50 * time.Millisecond)) // not recording yet
	if got := h.percentile(0.5); got != -1 {
		t.Fatalf("nothing recorded, got %d", got)
	}
	h.record(true)
	for ms := 1; ms <= 100; ms++ {
		h.add(int64(ms) * int64(time.Millisecond))
	}
	h.add(int64(5 * time.Second)) // beyond the last bucket
	if p50, p95, p100 := h.percentile(0.5), h.percentile(0.95), h.percentile(1); p50 != 51 || p95 != 96 || p100 != delayBuckets-1 {
		t.Fatalf("p50 %d p95 %d p100 %d", p50, p95, p100)
	}
}

func TestFramesCarryTheirSendTime(t *testing.T) {
	sent := time.Unix(1234, 5678)
	frame := newFrame(payloadBytes(48000), sent)
	if len(frame) != 120 {
		t.Fatalf("48 kbps in 20 ms frames is 120 bytes, got %d", len(frame))
	}
	if frame[0] != 0xf8 {
		t.Fatalf("TOC byte %#x, want 0xf8 (config 31, mono, one frame)", frame[0])
	}
	if got := sentAt(frame); got != sent.UnixNano() {
		t.Fatalf("send time %d, want %d", got, sent.UnixNano())
	}
	if got := sentAt([]byte{0xf8, 0, 0}); got != 0 {
		t.Fatalf("a foreign payload has no send time, got %d", got)
	}
}

func TestConfigBounds(t *testing.T) {
	good := config{
		Homeserver: "https://hs", LkJwt: "https://jwt", MatrixRoom: "!r:hs",
		Members:  []member{{"@a:hs", "t", "D"}, {"@b:hs", "t", "D"}},
		Speakers: 1, JoinsPerSecond: 10, MeasureSeconds: 5, JoinTimeoutSeconds: 10, BitsPerSecond: 48000,
		DeadlineSeconds: 60,
	}
	if err := good.validate(); err != nil {
		t.Fatalf("a good config refused: %v", err)
	}
	for name, change := range map[string]func(*config){
		"too many speakers":  func(c *config) { c.Speakers = 3 },
		"no pace":            func(c *config) { c.JoinsPerSecond = 0 },
		"deadline too short": func(c *config) { c.DeadlineSeconds = 10 },
		"deadline too long":  func(c *config) { c.DeadlineSeconds = maxDeadline + 1 },
		"member without token": func(c *config) {
			c.Members = []member{{"@a:hs", "", "D"}}
			c.Speakers = 0
		},
		"too many members": func(c *config) { c.Members = make([]member, maxMembers+1) },
	} {
		c := good
		change(&c)
		if c.validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
