import { POSTGRES_DATA_DIR } from "./postgres";
import { SYNAPSE_PATHS } from "./synapse";

/** State a stack keeps across `pulumi up`: each lives in a store of its own. */
export type StateStoreId =
  "postgresData" | "synapseData" | "synapseMedia" | "jitsiProsody" | "jitsiTranscripts";

/** Every state store a stack can adopt: what it holds, the volume the stack creates otherwise, who needs it. */
export const STATE_STORES: Readonly<
  Record<StateStoreId, { readonly what: string; readonly volume: string; readonly jitsi: boolean }>
> = {
  postgresData: { what: `PostgreSQL data (${POSTGRES_DATA_DIR})`, volume: "postgres-data", jitsi: false },
  synapseData: {
    what: `Synapse data (${SYNAPSE_PATHS.dataDir}: signing key)`,
    volume: "synapse-data",
    jitsi: false,
  },
  synapseMedia: {
    what: `Synapse media (${SYNAPSE_PATHS.mediaStore})`,
    volume: "synapse-media",
    jitsi: false,
  },
  jitsiProsody: { what: "Jitsi prosody state (/var/lib/prosody)", volume: "jitsi-prosody", jitsi: true },
  jitsiTranscripts: {
    what: "Jitsi transcripts (/usr/share/jitsi-meet/transcripts)",
    volume: "jitsi-transcripts",
    jitsi: true,
  },
};
export const STATE_STORE_IDS = Object.keys(STATE_STORES) as StateStoreId[];
