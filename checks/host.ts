import { formatPortSpec, formatRange } from "../config/ports";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { DEFAULT_IMAGES, imageTag, isPinned } from "../facts/images";
import { rangesOverlap } from "../model/host-ports";

/** Checks of what the stack puts on its Docker host and router: pinned images, free ports, forwarded ports. */

export function checkImagesPinned({ org }: StackPlan): Problem[] {
  return Object.entries(org.images)
    .filter(([, image]) => !isPinned(image))
    .map(([name, image]) =>
      problem(
        org.stack,
        `images.${name}`,
        imageTag(image) === undefined
          ? `image '${image}' is not pinned to a version: it has no tag, which Docker reads as :latest, so what runs changes without a config change`
          : `image '${image}' is not pinned to a version: the tag '${imageTag(image)}' names none (a base image or a channel the registry moves), so what runs changes without a config change`,
        `use an explicit version tag or digest, e.g. ${DEFAULT_IMAGES[name as keyof typeof DEFAULT_IMAGES] ?? "repo:v1.2.3"} (a digest @sha256:... pins too)`,
      ),
    );
}

/**
 * Failure mode 1/10: two services on one port range means one of them cannot bind, or media goes to the wrong one.
 * Judged on the ports the documents bind (overrides included), each named by the key that set it.
 */
export function checkPortClashes({ org, ports }: StackPlan): Problem[] {
  const uses = ports.filter((p) => p.unreadable === undefined);
  const problems: Problem[] = [];
  for (let i = 0; i < uses.length; i++) {
    for (let j = i + 1; j < uses.length; j++) {
      const a = uses[i]!;
      const b = uses[j]!;
      if (a.protocol !== b.protocol || !rangesOverlap(a.range, b.range)) continue;
      if (a.key === b.key) continue;
      problems.push(
        problem(
          org.stack,
          b.setBy,
          `${b.what} (${b.protocol}/${formatRange(b.range)}) overlaps ${a.what} (${a.protocol}/${formatRange(a.range)}, matrix-fleet:${a.setBy})`,
          "give each service its own ports; relay ranges must not overlap",
        ),
      );
    }
  }
  return problems;
}

/**
 * A port has one source: its key in `ports.*`. An override that moves it makes the documents disagree with what
 * the fleet checks, verify and the lab read from the port plan, so it is refused with the key that does the job.
 */
export function checkOverriddenPorts({ org, ports }: StackPlan): Problem[] {
  const seen = new Set<string>();
  return ports.flatMap((p) => {
    if (p.setBy === p.key || seen.has(p.setBy)) return [];
    seen.add(p.setBy);
    if (p.unreadable !== undefined) {
      return [
        problem(
          org.stack,
          p.setBy,
          `makes ${p.what} '${p.unreadable}', which is not a port or range of ports`,
          `drop the override; ${p.key} sets this port`,
        ),
      ];
    }
    if (p.range.start === p.planned.start && p.range.end === p.planned.end) return [];
    const spec = `${p.protocol}/${formatRange(p.range)}`;
    return [
      problem(
        org.stack,
        p.setBy,
        `moves ${p.what} to ${spec}, but ${p.key} says ${p.protocol}/${formatRange(p.planned)}: the router checklist would follow the override while the fleet checks, verify and the lab read ${p.key}`,
        `drop the override and set ${p.key}: ${formatRange(p.range)} instead`,
      ),
    ];
  });
}

/** Failure mode 1: calls work on Wi-Fi and die on mobile data when a relay range is not forwarded. */
export function checkRouterForwards({ org, routerForwards }: StackPlan): Problem[] {
  const declared = org.network.routerForwards;
  return routerForwards
    .filter(
      (needed) =>
        !declared.some(
          (d) =>
            d.protocol === needed.protocol &&
            d.range.start <= needed.range.start &&
            d.range.end >= needed.range.end,
        ),
    )
    .map((missing) => {
      const spec = formatPortSpec(missing);
      return problem(
        org.stack,
        "network.routerForwards",
        `${spec} (${missing.service}: ${missing.why}) is not forwarded by the router`,
        `forward ${spec} to ${missing.target} on the router (same ports), then add '${spec}' to network.routerForwards`,
      );
    });
}
