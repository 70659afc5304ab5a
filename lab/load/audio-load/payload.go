package main

import (
	"encoding/binary"
	"time"
)

// The audio a speaker sends: Opus-shaped frames at Element Call's rate. Element Call publishes its microphone with
// livekit-client's AudioPresets.music (maxBitrate 48 kbps; element-call src/livekit/options.ts, livekit-client
// src/room/track/options.ts), in WebRTC's 20 ms Opus frames: 50 packets a second of 120 bytes. Each payload starts
// with a valid Opus TOC byte (RFC 6716 3.1: configuration 31 = CELT-only fullband 20 ms, mono, one frame), then a
// marker and the send time, so that the subscriber side of this process can measure the one-way delay; the rest
// is filler. The SFU forwards payloads without decoding them; nothing here is ever played.
const (
	frameDuration = 20 * time.Millisecond
	opusTOC       = 31 << 3
	payloadMagic  = 0x6d66 // "mf"
)

// payloadBytes is the size of one frame at `bitsPerSecond` (at least the header this file writes).
func payloadBytes(bitsPerSecond int) int {
	n := bitsPerSecond / 8 * int(frameDuration/time.Millisecond) / 1000
	if n < 11 {
		n = 11
	}
	return n
}

// newFrame fills a frame of `size` bytes stamped with `sent`.
func newFrame(size int, sent time.Time) []byte {
	frame := make([]byte, size)
	frame[0] = opusTOC
	binary.BigEndian.PutUint16(frame[1:3], payloadMagic)
	binary.BigEndian.PutUint64(frame[3:11], uint64(sent.UnixNano()))
	for i := 11; i < size; i++ {
		frame[i] = byte(i * 31)
	}
	return frame
}

// sentAt reads the send time of a frame this program wrote; 0 for any other payload.
func sentAt(payload []byte) int64 {
	if len(payload) < 11 || payload[0] != opusTOC || binary.BigEndian.Uint16(payload[1:3]) != payloadMagic {
		return 0
	}
	return int64(binary.BigEndian.Uint64(payload[3:11]))
}
