/**
 * Program regressions the Docker lab must catch: each fault breaks one file of the program (in a copy of the
 * repository, never this checkout), produktor is deployed from that copy onto the running lab's engine, and the
 * property check of the matching scenario (lab/scenarios/deploy.ts) must fail with a message naming the cause.
 * One deployment serves every fault, each `up` converging it to the program with that fault alone. Afterwards the
 * stack is removed completely, so the scenarios of lab.test.ts start from nothing. These run in
 * the same lab as the scenarios (lab/deploy/run.sh runs this file first): no lab is started per fault.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { PROGRAM_DIR } from "../../tools/engine/workspace";
import { copyProject } from "../../test/engine/project-copy";
import {
  livekitRotationReplacesItsConsumers,
  secondUpChangesNothing,
  stateHoldsNoSecretInClear,
} from "../scenarios/deploy";
import { LabFleet } from "./fleet";

interface ProgramFault {
  readonly name: string;
  readonly file: string;
  readonly breaks: (text: string) => string;
  /** The scenario's property check, run on the faulty deployment: it must throw. */
  readonly check: (fleet: LabFleet) => Promise<void>;
  readonly expect: RegExp;
}

const FAULTS: readonly ProgramFault[] = [
  {
    name: "perpetual diff (memorySwap left to Docker)",
    file: "components/shared.ts",
    breaks: (text) => text.replace(/^\s*memorySwap: memoryMb \* 2,\n/m, ""),
    check: (fleet) => secondUpChangesNothing(fleet, "produktor"),
    expect: /the preview of an unchanged stack plans changes[\s\S]*update Container/,
  },
  {
    name: "every document depends on every secret",
    file: "components/stack-documents.ts",
    breaks: (text) =>
      text.replace(
        "const used = secretsIn(templatePart);",
        "const used = secretsIn([templatePart, this.documents.templateFiles]);",
      ),
    check: (fleet) => livekitRotationReplacesItsConsumers(fleet, "fault"),
    expect: /Container::produktor-element-element-web/,
  },
  {
    name: "documents with secrets not marked secret",
    file: "components/stack-documents.ts",
    breaks: (text) => text.replace("return pulumi.secret(", "return pulumi.unsecret("),
    check: (fleet) => stateHoldsNoSecretInClear(fleet),
    expect: /is in clear in pulumi stack export/,
  },
];

describe("program regressions the Docker lab catches", () => {
  // One copy of the repository and one produktor deployment for all faults: each fault's up converges the running
  // stack to the program with exactly that fault (the earlier fault's file is put back first), which costs an
  // update instead of a deployment from nothing and its removal per fault.
  // Made by the first fault that runs (a run filtered by LAB_TEST_PATTERN makes none).
  let copy: ReturnType<typeof copyProject> | undefined;
  let fleet: Promise<LabFleet> | undefined;
  const deployed = (): Promise<LabFleet> =>
    (fleet ??= (async () => {
      copy = copyProject();
      const made = await LabFleet.create(
        path.join(process.env.LAB_DIR ?? ".lab/deploy", "fault"),
        ["produktor"],
        {
          programDir: copy.dir,
        },
      );
      // The regressions are the services' documents and containers: the monitoring (seven more containers and
      // their gates in every up) is left out to keep the deployments short.
      await made.set("produktor", "components.monitoring", "false");
      return made;
    })());
  after(async () => {
    if (fleet === undefined) return;
    // Stopped even when the removal fails: the fleet's NPM double would keep the test process alive.
    const made = await fleet;
    try {
      await made.removeCompletely("produktor");
    } finally {
      await made.stop();
      copy?.dispose();
    }
  });

  for (const fault of FAULTS) {
    it(`${fault.name}: caught`, { timeout: 600_000 }, async () => {
      const faulty = await deployed();
      const dir = copy!.dir;
      for (const { file } of FAULTS) fs.copyFileSync(path.join(PROGRAM_DIR, file), path.join(dir, file));
      const original = fs.readFileSync(path.join(PROGRAM_DIR, fault.file), "utf8");
      const broken = fault.breaks(original);
      assert.notEqual(broken, original, `the fault no longer matches ${fault.file}`);
      fs.writeFileSync(path.join(dir, fault.file), broken);
      const up = await faulty.up("produktor");
      assert.equal(up.code, 0, LabFleet.failure(up));
      await assert.rejects(fault.check(faulty), (error: Error) => {
        assert.match(error.message, fault.expect);
        return true;
      });
    });
  }
});
