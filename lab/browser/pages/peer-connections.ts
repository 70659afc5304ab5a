/**
 * Injected into every frame of a lab browser before any page script (Playwright's addInitScript), so that the
 * driver can read what the page's WebRTC stack did without knowing the page: every RTCPeerConnection the page (or
 * Element Call inside its iframe) makes is remembered, with the ICE candidate errors it reported. The driver calls
 * `labIce()` in a frame: for each connection, the selected candidate pair from getStats() (RTCTransportStats'
 * selectedCandidatePairId, W3C webrtc-stats), its local and remote candidate, and the errors.
 */
import type { IceReport, SelectedPair } from "../core/ice-report";

interface Probe {
  readonly connections: RTCPeerConnection[];
  readonly errors: string[];
}

declare global {
  interface Window {
    labProbe?: Probe;
    labIce?: () => Promise<IceReport>;
  }
}

function describeCandidate(stats: RTCStatsReport, id: string | undefined): SelectedPair["local"] {
  const c = (id === undefined ? undefined : stats.get(id)) as Record<string, unknown> | undefined;
  return {
    type: String(c?.candidateType ?? "none"),
    protocol: String(c?.protocol ?? ""),
    address: String(c?.address ?? ""),
    port: Number(c?.port ?? 0),
    relayProtocol: c?.relayProtocol === undefined ? undefined : String(c.relayProtocol),
    url: c?.url === undefined ? undefined : String(c.url),
  };
}

async function selectedPairs(pc: RTCPeerConnection): Promise<SelectedPair[]> {
  const stats = await pc.getStats();
  const pairs: SelectedPair[] = [];
  stats.forEach((entry: Record<string, unknown>) => {
    if (entry.type !== "transport" || typeof entry.selectedCandidatePairId !== "string") return;
    const pair = stats.get(entry.selectedCandidatePairId) as Record<string, unknown> | undefined;
    if (pair === undefined) return;
    pairs.push({
      state: String(pair.state),
      local: describeCandidate(stats, pair.localCandidateId as string | undefined),
      remote: describeCandidate(stats, pair.remoteCandidateId as string | undefined),
      bytesSent: Number(pair.bytesSent ?? 0),
      bytesReceived: Number(pair.bytesReceived ?? 0),
    });
  });
  return pairs;
}

async function inboundAudio(pc: RTCPeerConnection): Promise<{ packets: number; energy: number }> {
  const stats = await pc.getStats();
  let packets = 0;
  let energy = 0;
  stats.forEach((entry: Record<string, unknown>) => {
    if (entry.type !== "inbound-rtp" || entry.kind !== "audio") return;
    packets += Number(entry.packetsReceived ?? 0);
    energy += Number(entry.totalAudioEnergy ?? 0);
  });
  return { packets, energy };
}

(() => {
  if (window.labProbe !== undefined || typeof window.RTCPeerConnection !== "function") return;
  const probe: Probe = { connections: [], errors: [] };
  window.labProbe = probe;
  const Native = window.RTCPeerConnection;
  class Observed extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      probe.connections.push(this);
      this.addEventListener("icecandidateerror", (event) => {
        const e = event as RTCPeerConnectionIceErrorEvent;
        probe.errors.push(`${e.url} ${e.errorCode} ${e.errorText}`.trim());
      });
    }
  }
  window.RTCPeerConnection = Observed;
  window.labIce = async () => {
    const connections = await Promise.all(
      probe.connections.map(async (pc) => ({
        state: pc.connectionState,
        // A closed connection has no stats any more.
        pairs: await selectedPairs(pc).catch(() => []),
        inboundAudio: await inboundAudio(pc).catch(() => ({ packets: 0, energy: 0 })),
      })),
    );
    return { connections, errors: [...probe.errors] };
  };
})();
