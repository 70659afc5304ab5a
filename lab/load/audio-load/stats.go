package main

import (
	"sync"
	"time"
)

// trackStats is one audio track as one subscriber receives it: the RTP sequence numbers extended past their
// 16-bit wrap (RFC 3550 A.1), how many distinct packets arrived, the interarrival jitter estimate (RFC 3550 A.8)
// and the packets' one-way delay, read from the send time the speaker wrote into each payload (both ends run in
// this process, on one clock). Window snapshots give the loss and jitter of the measured interval only
// (RFC 3550 A.3: expected = highest extended sequence number minus the one at the interval's start).
type trackStats struct {
	mu sync.Mutex

	clockRate float64
	started   bool
	// highest extended sequence number seen
	highest int64
	// distinct packets received (duplicates and retransmissions of a packet counted once)
	received int64
	seen     [dedupeWindow]int64

	haveTransit bool
	lastTransit uint32
	// the RFC 3550 estimate, in RTP timestamp units
	jitter float64

	// the interval being measured: the snapshot at its start, and the jitter seen during it
	windowOpen      bool
	windowHighest   int64
	windowReceived  int64
	windowJitterSum float64
	windowJitterMax float64
	windowPackets   int64

	firstArrival time.Time
	delays       *delayHistogram
}

// dedupeWindow: how many recent sequence numbers are remembered to recognise a duplicate (a NACK retransmission of
// a packet that was only late). 1024 packets are 20 s of audio at 50 packets per second.
const dedupeWindow = 1024

func newTrackStats(clockRate uint32, delays *delayHistogram) *trackStats {
	rate := float64(clockRate)
	if rate <= 0 {
		rate = 48000
	}
	return &trackStats{clockRate: rate, delays: delays}
}

// extend turns a 16-bit sequence number into an extended one, next to the highest seen so far: the nearest value
// with those low 16 bits (a packet more than 32767 behind or ahead cannot be told apart, as in RFC 3550).
func extend(highest int64, seq uint16) int64 {
	delta := int64(int16(seq - uint16(highest)))
	return highest + delta
}

// add records one RTP packet that arrived at `arrival`; `sentUnixNano` is the send time read from its payload (0
// when the payload carries none).
func (t *trackStats) add(seq uint16, rtpTimestamp uint32, arrival time.Time, sentUnixNano int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ext int64
	if !t.started {
		t.started = true
		t.firstArrival = arrival
		ext = int64(seq) + 1<<16 // room below the first packet for a late one
		t.highest = ext
	} else {
		ext = extend(t.highest, seq)
	}
	slot := ext % dedupeWindow
	if t.seen[slot] == ext+1 {
		return
	}
	t.seen[slot] = ext + 1
	t.received++
	if ext > t.highest {
		t.highest = ext
	}
	t.updateJitter(rtpTimestamp, arrival)
	if t.windowOpen {
		t.windowPackets++
		t.windowJitterSum += t.jitter
		if t.jitter > t.windowJitterMax {
			t.windowJitterMax = t.jitter
		}
	}
	if sentUnixNano > 0 && t.delays != nil {
		t.delays.add(arrival.UnixNano() - sentUnixNano)
	}
}

// updateJitter: RFC 3550 A.8, with the arrival time in RTP timestamp units (counted from the track's first packet,
// in integers: a float of nanoseconds since 1970 times 48000 would lose the units); differences are taken modulo
// 2^32 as the timestamps wrap.
func (t *trackStats) updateJitter(rtpTimestamp uint32, arrival time.Time) {
	arrivalUnits := uint32(arrival.Sub(t.firstArrival).Nanoseconds() * int64(t.clockRate) / int64(time.Second))
	transit := arrivalUnits - rtpTimestamp
	if t.haveTransit {
		d := float64(int32(transit - t.lastTransit))
		if d < 0 {
			d = -d
		}
		t.jitter += (d - t.jitter) / 16
	}
	t.lastTransit = transit
	t.haveTransit = true
}

// openWindow starts the measured interval.
func (t *trackStats) openWindow() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.windowOpen = true
	t.windowHighest = t.highest
	t.windowReceived = t.received
	t.windowJitterSum, t.windowJitterMax, t.windowPackets = 0, 0, 0
}

// windowResult is what one subscribed track did during the measured interval.
type windowResult struct {
	Expected     int64   `json:"expected"`
	Received     int64   `json:"received"`
	Lost         int64   `json:"lost"`
	JitterMeanMs float64 `json:"jitterMeanMs"`
	JitterMaxMs  float64 `json:"jitterMaxMs"`
}

// closeWindow ends the measured interval and returns its figures. A track that received nothing before the
// window opened expects nothing in it either: the caller counts tracks that never arrived separately.
func (t *trackStats) closeWindow() windowResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.windowOpen = false
	if !t.started {
		return windowResult{}
	}
	expected := t.highest - t.windowHighest
	received := t.received - t.windowReceived
	lost := expected - received
	if lost < 0 {
		// late packets from before the window arrived inside it
		lost = 0
	}
	result := windowResult{Expected: expected, Received: received, Lost: lost}
	toMs := 1000 / t.clockRate
	if t.windowPackets > 0 {
		result.JitterMeanMs = t.windowJitterSum / float64(t.windowPackets) * toMs
	}
	result.JitterMaxMs = t.windowJitterMax * toMs
	return result
}

// first is when the track's first packet arrived (zero when none did).
func (t *trackStats) first() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.firstArrival
}

// delayHistogram counts one-way delays in whole milliseconds (the last bucket holds everything longer), shared by
// every track of the run; only the measured interval is recorded.
type delayHistogram struct {
	mu      sync.Mutex
	on      bool
	buckets [delayBuckets]int64
}

const delayBuckets = 2001

func (h *delayHistogram) add(nanos int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.on {
		return
	}
	ms := nanos / int64(time.Millisecond)
	if ms < 0 {
		ms = 0
	}
	if ms >= delayBuckets {
		ms = delayBuckets - 1
	}
	h.buckets[ms]++
}

func (h *delayHistogram) record(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.on = on
}

// percentile is the smallest delay in ms at or below which `p` (0..1) of the recorded packets fall; -1 with none.
func (h *delayHistogram) percentile(p float64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var total int64
	for _, n := range h.buckets {
		total += n
	}
	if total == 0 {
		return -1
	}
	rank := int64(p*float64(total) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for ms, n := range h.buckets {
		seen += n
		if seen >= rank {
			return ms
		}
	}
	return delayBuckets - 1
}
