// audio-load: matrix-fleet's audio load generator for the Docker lab (issue #31). N members join one MatrixRTC call
// through the organisation's real path (OpenID token from Synapse, lk-jwt-service's token, LiveKit through the
// proxy), the first k of them publish Opus-shaped audio at Element Call's rate, every member subscribes to every
// speaker; after the joins and a settling pause it measures, for one interval, what each subscriber received
// (loss, jitter, one-way delay) and its own CPU time, then leaves and prints one JSON result.
//
// Bounded: at most maxMembers members, paced joins, and a deadline after which the process exits whatever it is
// doing; it also exits when the process that started it is gone. Input: JSON on stdin (config.go). Output: JSON
// lines on stdout, {"event": ...} as the run goes, then {"result": ...}; or {"error": "..."} and exit 2.
package main

import (
	"encoding/json"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

var out = json.NewEncoder(os.Stdout)
var outMu sync.Mutex

func emit(line any) {
	outMu.Lock()
	defer outMu.Unlock()
	_ = out.Encode(line)
}

func main() {
	c, err := readConfig(os.Stdin)
	if err != nil {
		emit(map[string]string{"error": err.Error()})
		os.Exit(2)
	}
	lksdk.SetLogger(logger.GetDiscardLogger())
	go exitWithParent()
	time.AfterFunc(seconds(c.DeadlineSeconds), func() {
		emit(map[string]string{"error": "the run's deadline passed before it finished"})
		os.Exit(3)
	})
	emit(runCall(c))
	os.Exit(0)
}

// exitWithParent ends the process when the one that started it is gone (it was reparented).
func exitWithParent() {
	parent := os.Getppid()
	for range time.Tick(500 * time.Millisecond) {
		if os.Getppid() != parent {
			os.Exit(4)
		}
	}
}

type trackResult struct {
	Subscriber int    `json:"subscriber"`
	Publisher  string `json:"publisher"`
	windowResult
}

type cpuUse struct {
	WindowSeconds    float64 `json:"windowSeconds"`
	WindowCPUSeconds float64 `json:"windowCpuSeconds"`
	TotalCPUSeconds  float64 `json:"totalCpuSeconds"`
	MaxRSSMiB        float64 `json:"maxRssMiB"`
}

type runResult struct {
	Joins []joinOutcome `json:"joins"`
	// subscriptions the joined members should hold: each hears every joined speaker but itself
	ExpectedTracks int            `json:"expectedTracks"`
	Tracks         []trackResult  `json:"tracks"`
	DelayMs        map[string]int `json:"delayMs"`
	CPU            cpuUse         `json:"cpu"`
	WindowStartMs  int64          `json:"windowStartMs"`
	WindowEndMs    int64          `json:"windowEndMs"`
}

func runCall(c config) map[string]runResult {
	delays := &delayHistogram{}
	participants := joinAll(c, delays)
	emit(map[string]any{"event": "joined", "atMs": time.Now().UnixMilli()})
	time.Sleep(seconds(c.SettleSeconds))

	tracks := map[*participant]map[string]*trackStats{}
	for _, p := range participants {
		tracks[p] = p.trackList()
		for _, stats := range tracks[p] {
			stats.openWindow()
		}
	}
	delays.record(true)
	cpuStart, windowStart := cpuSeconds(), time.Now()
	emit(map[string]any{"event": "measuring", "atMs": windowStart.UnixMilli()})
	time.Sleep(seconds(c.MeasureSeconds))
	delays.record(false)
	cpuEnd, windowEnd := cpuSeconds(), time.Now()
	emit(map[string]any{"event": "measured", "atMs": windowEnd.UnixMilli()})

	result := runResult{
		WindowStartMs: windowStart.UnixMilli(),
		WindowEndMs:   windowEnd.UnixMilli(),
		DelayMs: map[string]int{
			"p50": delays.percentile(0.5), "p95": delays.percentile(0.95), "p99": delays.percentile(0.99),
		},
	}
	speakers := 0
	for _, p := range participants {
		if p.joined() && p.speaker {
			speakers++
		}
	}
	for _, p := range participants {
		p.outcome.AudioMs = p.audioMs()
		result.Joins = append(result.Joins, p.outcome)
		if !p.joined() {
			continue
		}
		result.ExpectedTracks += speakers
		if p.speaker {
			result.ExpectedTracks--
		}
		for identity, stats := range tracks[p] {
			result.Tracks = append(result.Tracks, trackResult{p.index, identity, stats.closeWindow()})
		}
	}
	leaveAll(participants, 10*time.Second)
	result.CPU = cpuUse{
		WindowSeconds:    windowEnd.Sub(windowStart).Seconds(),
		WindowCPUSeconds: cpuEnd - cpuStart,
		TotalCPUSeconds:  cpuSeconds(),
		MaxRSSMiB:        maxRSSMiB(),
	}
	return map[string]runResult{"result": result}
}

// joinAll starts the members' joins at the configured pace, speakers first, and waits for every join to end.
func joinAll(c config, delays *delayHistogram) []*participant {
	participants := make([]*participant, len(c.Members))
	var wg sync.WaitGroup
	pace := time.NewTicker(time.Duration(float64(time.Second) / c.JoinsPerSecond))
	defer pace.Stop()
	emit(map[string]any{"event": "joining", "members": len(c.Members), "speakers": c.Speakers})
	for i, m := range c.Members {
		if i > 0 {
			<-pace.C
		}
		p := newParticipant(i, i < c.Speakers, delays)
		participants[i] = p
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.join(c, m)
		}()
	}
	wg.Wait()
	return participants
}

// leaveAll disconnects every member at once, waiting at most `limit`.
func leaveAll(participants []*participant, limit time.Duration) {
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for _, p := range participants {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.leave()
			}()
		}
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
	}
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &usage) != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
}

func maxRSSMiB() float64 {
	var usage syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &usage) != nil {
		return 0
	}
	return float64(usage.Maxrss) / 1024
}
