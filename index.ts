/**
 * matrix-fleet: one organisation per Pulumi stack. Load the stack config, refuse anything preflight finds (all
 * problems at once, before a single resource exists), compose the organisation, export what operators need.
 */
import * as pulumi from "@pulumi/pulumi";
import { HomeserverStack } from "./components/homeserver-stack";
import { loadProgramConfig } from "./components/program-config";

const { org, adoptedSecretValues, smtpPassword } = loadProgramConfig();
const fleet = new HomeserverStack(org.stack, { org, adoptedSecretValues, smtpPassword });

export const urls = fleet.urls;
export const routerChecklist = fleet.routerChecklist;
export const firstAdminCommand = fleet.firstAdminCommand;
export const proxyHosts = fleet.proxyHosts.definitions;
/** Where this organisation's data lives: owned (protected, retained) volumes, adopted volumes or directories. */
export const stateStores = pulumi.all(
  fleet.stores.map((store) =>
    pulumi.all([store.id, store.kind, store.source]).apply(([id, kind, source]) => ({ id, kind, source })),
  ),
);
