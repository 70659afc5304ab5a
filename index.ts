/**
 * matrix-fleet: one organisation per Pulumi stack. Load the stack config, refuse anything preflight finds (all
 * problems at once, before a single resource exists), compose the organisation, export what operators need.
 */
import * as pulumi from "@pulumi/pulumi";
import { HomeserverStack } from "./components/homeserver-stack";
import { loadProgramConfig } from "./lib/program";

const { org, npmCredentials } = loadProgramConfig();
const fleet = new HomeserverStack(org.stack, { org, npmCredentials });

export const urls = fleet.urls;
export const routerChecklist = fleet.routerChecklist;
export const firstAdminCommand = fleet.firstAdminCommand;
export const proxyHosts = fleet.proxyHosts.definitions;
/** Names of the protected, retained volumes that hold this organisation's data. */
export const stateVolumes = pulumi.all(fleet.volumes.map((volume) => volume.name));
