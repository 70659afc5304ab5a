import { formatPortSpec, formatRange } from "../config/ports";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../documents/plan";
import { isPinned } from "../facts/images";
import { hostPortUses, rangesOverlap } from "../model/host-ports";

/** Checks of what the stack puts on its Docker host and router: pinned images, free ports, forwarded ports. */

export function checkImagesPinned({ org }: StackPlan): Problem[] {
  return Object.entries(org.images)
    .filter(([, image]) => !isPinned(image))
    .map(([name, image]) =>
      problem(
        org.stack,
        `images.${name}`,
        `image '${image}' is not pinned to a version; a moving tag changes what runs without a config change`,
        "use an explicit version tag or digest, e.g. repo:v1.2.3",
      ),
    );
}

/** Failure mode 1/10: two services on one port range means one of them cannot bind, or media goes to the wrong one. */
export function checkPortClashes({ org }: StackPlan): Problem[] {
  const uses = hostPortUses(org);
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
          b.key,
          `${b.what} (${b.protocol}/${formatRange(b.range)}) overlaps ${a.what} (${a.protocol}/${formatRange(a.range)}, matrix-fleet:${a.key})`,
          "give each service its own ports; relay ranges must not overlap",
        ),
      );
    }
  }
  return problems;
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
