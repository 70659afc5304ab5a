import {
  JITSI_IMAGE_ENTRYPOINT,
  JITSI_SERVICE_ACCOUNTS,
  JITSI_XMPP,
  PROSODY_DATA_PATHS,
  prosodyEncode,
} from "../facts/jitsi";

/**
 * The prosody container's entrypoint. docker-jitsi-meet (since stable-10741) creates the `focus` and `jvb` accounts
 * only when they are missing, so with prosody's storage kept, a rotated JICOFO_AUTH_PASSWORD/JVB_AUTH_PASSWORD
 * would be ignored and lock jicofo and jvb out (docs/upstream/jitsi-accounts.md §1). Deleting the two account
 * files before the image's own entrypoint makes its register-setup service create them again, with the passwords
 * of this start, every time (fix option A of §6: what prosody's own delete_user does). Both data paths are
 * covered: the pinned stable-11146-2 and the earlier 11146 tags. Rooms, rosters and other users stay.
 */
export function prosodyEntrypoint(): string[] {
  const files = PROSODY_DATA_PATHS.flatMap((dataPath) =>
    JITSI_SERVICE_ACCOUNTS.map(
      (user) => `'${dataPath}/${prosodyEncode(JITSI_XMPP.authDomain)}/accounts/${prosodyEncode(user)}.dat'`,
    ),
  );
  // `exec` keeps s6-overlay's /init as PID 1, which it requires.
  return ["/bin/sh", "-c", `rm -f ${files.join(" ")} && exec ${JITSI_IMAGE_ENTRYPOINT}`];
}
