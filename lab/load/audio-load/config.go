package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// config is what one run does, read as JSON from stdin (lab/load/generator.ts writes it). Every bound is checked
// here: the run is bounded in members, rate and time whoever starts it.
type config struct {
	// Synapse's client-server API as clients reach it (through the proxy), e.g. https://chat.produktor.io
	Homeserver string `json:"homeserver"`
	// lk-jwt-service as clients reach it, e.g. https://matrix-rtc.produktor.io/livekit/jwt
	LkJwt string `json:"lkJwt"`
	// the Matrix room of the call: every member asks lk-jwt-service for this room's LiveKit room
	MatrixRoom string `json:"matrixRoom"`
	// logged-in members (their access tokens); the first `Speakers` publish audio
	Members        []member `json:"members"`
	Speakers       int      `json:"speakers"`
	JoinsPerSecond float64  `json:"joinsPerSecond"`
	// time between the last join and the measured interval, and its length
	SettleSeconds  float64 `json:"settleSeconds"`
	MeasureSeconds float64 `json:"measureSeconds"`
	// one member's token request plus LiveKit join, at most
	JoinTimeoutSeconds float64 `json:"joinTimeoutSeconds"`
	// the whole run, at most: the process exits then, whatever it is doing
	DeadlineSeconds float64 `json:"deadlineSeconds"`
	BitsPerSecond   int     `json:"bitsPerSecond"`
}

type member struct {
	UserID      string `json:"userId"`
	AccessToken string `json:"accessToken"`
	DeviceID    string `json:"deviceId"`
}

// The bounds of one run.
const (
	maxMembers        = 1000
	maxJoinsPerSecond = 100
	maxMeasureSeconds = 600
	maxDeadline       = 1800
)

func readConfig(r io.Reader) (config, error) {
	var c config
	decoder := json.NewDecoder(io.LimitReader(r, 16<<20))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&c); err != nil {
		return c, fmt.Errorf("config on stdin: %w", err)
	}
	if c.BitsPerSecond == 0 {
		c.BitsPerSecond = 48000
	}
	if c.JoinTimeoutSeconds == 0 {
		c.JoinTimeoutSeconds = 20
	}
	return c, c.validate()
}

func (c config) validate() error {
	switch {
	case c.Homeserver == "" || c.LkJwt == "" || c.MatrixRoom == "":
		return fmt.Errorf("homeserver, lkJwt and matrixRoom are required")
	case len(c.Members) < 1 || len(c.Members) > maxMembers:
		return fmt.Errorf("members: %d, must be 1..%d", len(c.Members), maxMembers)
	case c.Speakers < 0 || c.Speakers > len(c.Members):
		return fmt.Errorf("speakers: %d, must be 0..%d (the members)", c.Speakers, len(c.Members))
	case c.JoinsPerSecond <= 0 || c.JoinsPerSecond > maxJoinsPerSecond:
		return fmt.Errorf("joinsPerSecond: %g, must be above 0 and at most %d", c.JoinsPerSecond, maxJoinsPerSecond)
	case c.MeasureSeconds <= 0 || c.MeasureSeconds > maxMeasureSeconds:
		return fmt.Errorf("measureSeconds: %g, must be above 0 and at most %d", c.MeasureSeconds, maxMeasureSeconds)
	case c.SettleSeconds < 0 || c.JoinTimeoutSeconds <= 0:
		return fmt.Errorf("settleSeconds must not be negative, joinTimeoutSeconds must be positive")
	case c.BitsPerSecond < 8000 || c.BitsPerSecond > 510000:
		return fmt.Errorf("bitsPerSecond: %d, must be within Opus' 8000..510000", c.BitsPerSecond)
	case c.DeadlineSeconds < c.minimumSeconds() || c.DeadlineSeconds > maxDeadline:
		return fmt.Errorf("deadlineSeconds: %g, must cover the joins, settling and measuring (%.0f s) and be at most %d",
			c.DeadlineSeconds, c.minimumSeconds(), maxDeadline)
	}
	for i, m := range c.Members {
		if m.UserID == "" || m.AccessToken == "" || m.DeviceID == "" {
			return fmt.Errorf("members[%d]: userId, accessToken and deviceId are required", i)
		}
	}
	return nil
}

// minimumSeconds: pacing every join, the last one's timeout, settling and measuring.
func (c config) minimumSeconds() float64 {
	return float64(len(c.Members))/c.JoinsPerSecond + c.JoinTimeoutSeconds + c.SettleSeconds + c.MeasureSeconds
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
