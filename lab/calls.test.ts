/**
 * The call scenarios (lab/scenarios/calls.ts) on the process lab: real servers started from the files `render`
 * produced, through lab/overlay.ts. Run by lab/run.sh inside the lab namespace.
 */
import { after, before } from "node:test";
import { LabEnvironment } from "./environment";
import { readManifest } from "./prepare";
import { callScenarios } from "./scenarios/calls";

const lab = new LabEnvironment(readManifest());
before(async () => lab.start(), { timeout: 300_000 });
after(async () => lab.stop());
callScenarios(lab.target());
