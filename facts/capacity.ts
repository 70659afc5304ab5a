/**
 * How many people one LiveKit carries in one audio call, as measured by the capacity benchmark in the Docker lab
 * (`BENCH=capacity ./fleet bench`, lab/deploy/bench-capacity.ts; the runs, machine and load are in
 * docs/development/benchmarks.md). summary.md predicts an organisation's call capacity from these figures and the
 * host size its stack declares (`capacity.hostCores`); LiveKit's own published figures are disputed
 * (livekit/livekit#3285, #3041) and old, so the project measures its own.
 *
 * The call: `speakers` members publish Opus at Element Call's rate (48 kbps, 20 ms frames:
 * lab/load/audio-load/payload.go), every member subscribes to every speaker, members join at `joinsPerSecond`
 * through the organisation's real path; a size passes when the subscribers lose under 2 % of the packets and 95 %
 * of the joins take under 3 s.
 */
export const MEASURED_CALL_CAPACITY = {
  livekit: "v1.13.5",
  speakers: 3,
  joinsPerSecond: 10,
  /**
   * Participants per CPU core LiveKit may use (the ramp's capacity divided by its container's CPU limit): the
   * smaller of the two ramps (0.25 cores: 100, 400 per core; 0.5 cores: 220, 440 per core).
   */
  participantsPerCore: 400,
  measured: "2026-12-07",
  machine:
    "the project's 2-core lab machine (LiveKit held to 0.25 and 0.5 cores by its container's CPU quota)",
} as const;

/**
 * UDP ports of LiveKit's media range that one participant holds. With `rtc.port_range_start/end` LiveKit
 * (mediatransportutil pkg/rtcconfig/webrtc_config.go: SetEphemeralUDPPortRange) gives every peer connection's ICE
 * agent a socket of its own on each gathered address (one here: rtc.ips.includes names the Docker host's address);
 * a participant has a subscriber connection, and a publisher connection once it publishes (livekit-client
 * negotiates it with the first published track when the server marks the subscriber primary): a speaker holds two
 * ports, a listener one. The benchmark counts LiveKit's sockets in the range at every step.
 */
export const MEDIA_PORTS_PER_SPEAKER = 2;
export const MEDIA_PORTS_PER_LISTENER = 1;
