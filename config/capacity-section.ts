import { CapacityOptions } from "./model";
import { SectionReader } from "./section-reader";

/**
 * The `capacity` section (issue #31): the Docker host's size and the largest call expected. Both stay undeclared
 * (summary.md then asks for them) until the operator fills them in; neither changes what is deployed.
 */
export function parseCapacity(top: SectionReader): CapacityOptions {
  const section = top.section("capacity");
  const capacity: CapacityOptions = {
    hostCores: section.optionalInteger("hostCores", 1, 1024),
    expectedParticipants: section.optionalInteger("expectedParticipants", 2, 100_000),
  };
  section.rejectUnknownKeys();
  return capacity;
}
