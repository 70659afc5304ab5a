/**
 * What lab/browser/pages/peer-connections.ts reports from a frame (shared with the Node side, which imports only
 * these types): each RTCPeerConnection's state, its selected candidate pairs and inbound audio, and the ICE
 * candidate errors (RTCPeerConnectionIceErrorEvent: url, errorCode, errorText).
 */
export interface Candidate {
  /** host, srflx, prflx or relay (RTCIceCandidateType). */
  readonly type: string;
  readonly protocol: string;
  readonly address: string;
  readonly port: number;
  /** For a local relay candidate: how the browser reaches the TURN server (udp, tcp or tls). */
  readonly relayProtocol?: string;
  /** For a local relay or srflx candidate: the ICE server it came from. */
  readonly url?: string;
}

export interface SelectedPair {
  readonly state: string;
  readonly local: Candidate;
  readonly remote: Candidate;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

export interface IceReport {
  readonly connections: ReadonlyArray<{
    readonly state: string;
    readonly pairs: readonly SelectedPair[];
    readonly inboundAudio: { readonly packets: number; readonly energy: number };
  }>;
  readonly errors: readonly string[];
}
