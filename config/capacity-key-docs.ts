/** What the capacity keys mean (issue #31; docs/capacity.md), part of config/key-docs.ts's KEY_DOCS. */
export const CAPACITY_KEY_DOCS: Readonly<Record<string, { meaning: string; type?: string }>> = {
  "capacity.hostCores": {
    meaning:
      "CPU cores of the Docker host LiveKit runs on; undeclared until the operator fills it in (summary.md then predicts nothing)",
  },
  "capacity.expectedParticipants": {
    meaning:
      "the largest call the organisation expects (participants in one call); preflight warns, never refuses, when the host does not carry it",
  },
};
