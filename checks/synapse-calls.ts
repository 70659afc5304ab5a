import { isPlainObject } from "../config/merge";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { CALL_MEMBER_EVENT_TYPE, RTC_MEMBER_EVENT_TYPE } from "../facts/element-call";
import { SYNAPSE_ROOM_PRESETS } from "../facts/synapse";

/** Power levels of a new room where homeserver.yaml does not say otherwise (facts/synapse.ts). */
const SYNAPSE_NEW_ROOM = { usersDefault: 0, stateDefault: 50, eventsDefault: 0 } as const;

/** What a member (`users_default`) needs, and has, to send one event type under one preset's power levels. */
export interface MemberLevel {
  readonly preset: string;
  readonly eventType: string;
  readonly needed: number;
  readonly member: number;
}

const level = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);

/**
 * The level each call-membership event type needs under each preset, as Synapse v1.157.1 builds a new room
 * (`_send_events_for_new_room`: its defaults, then `default_power_level_content_override[<preset>]` shallowly over
 * them, facts/synapse.ts), and what `users_default` gives a member there. A client's own
 * `power_level_content_override` at creation comes after and is not known here.
 */
export function memberCallLevels(homeserver: Readonly<Record<string, unknown>>): MemberLevel[] {
  const overrides = isPlainObject(homeserver.default_power_level_content_override)
    ? homeserver.default_power_level_content_override
    : {};
  return SYNAPSE_ROOM_PRESETS.flatMap((preset) => {
    const override = isPlainObject(overrides[preset]) ? overrides[preset] : {};
    const events = isPlainObject(override.events) ? override.events : {};
    const member = level(override.users_default, SYNAPSE_NEW_ROOM.usersDefault);
    const state = level(override.state_default, SYNAPSE_NEW_ROOM.stateDefault);
    const message = level(override.events_default, SYNAPSE_NEW_ROOM.eventsDefault);
    return [
      {
        preset,
        eventType: CALL_MEMBER_EVENT_TYPE,
        needed: level(events[CALL_MEMBER_EVENT_TYPE], state),
        member,
      },
      {
        preset,
        eventType: RTC_MEMBER_EVENT_TYPE,
        needed: level(events[RTC_MEMBER_EVENT_TYPE], message),
        member,
      },
    ];
  });
}

/**
 * Field failure 29, "only moderators can join calls": joining a MatrixRTC call sends the call membership, a state
 * event (facts/element-call.ts), which Synapse's new rooms let only level 50 send. matrix-fleet writes
 * `default_power_level_content_override` so that members may (synapse-homeserver.ts); an override that takes it
 * away, or sets a preset back above `users_default`, is refused here.
 */
export function checkMembersJoinCalls({ org, synapse }: StackPlan): Problem[] {
  if (!org.components.matrixRtc) return [];
  const denied = memberCallLevels(synapse.homeserver).filter((l) => l.needed > l.member);
  if (denied.length === 0) return [];
  const presets = [...new Set(denied.map((l) => l.preset))];
  const what = denied.map(
    (l) => `${l.eventType} needs ${l.needed} in ${l.preset} rooms, a member has ${l.member}`,
  );
  return [
    problem(
      org.stack,
      "overrides.synapse.default_power_level_content_override",
      `in new ${presets.join(", ")} rooms only moderators could join calls: ${what.join("; ")} (joining a call sends that event; Synapse's own default for state events is 50)`,
      `drop the override: matrix-fleet writes, for each preset, Synapse's default event levels with ${CALL_MEMBER_EVENT_TYPE} at 0; or give it a level no higher than users_default in every preset's events`,
    ),
  ];
}
