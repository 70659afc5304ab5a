/**
 * Program regressions the Docker lab must catch: each fault breaks one file of the program (in a copy of the
 * repository, never this checkout), produktor is deployed from that copy onto the running lab's engine, and the
 * property check of the matching scenario (lab/scenarios/deploy.ts) must fail with a message naming the cause.
 * Afterwards the stack is removed completely, so the scenarios of lab.test.ts start from nothing. These run in
 * the same lab as the scenarios (lab/deploy/run.sh runs this file first): no lab is started per fault.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
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
  for (const fault of FAULTS) {
    it(`${fault.name}: caught`, { timeout: 600_000 }, async () => {
      const original = fs.readFileSync(path.join(PROGRAM_DIR, fault.file), "utf8");
      const broken = fault.breaks(original);
      assert.notEqual(broken, original, `the fault no longer matches ${fault.file}`);
      const copy = copyProject({ [fault.file]: broken });
      const fleet = await LabFleet.create(
        path.join(process.env.LAB_DIR ?? ".lab/deploy", "fault"),
        ["produktor"],
        {
          programDir: copy.dir,
        },
      );
      try {
        // The regressions are the services' documents and containers: the monitoring (seven more containers and
        // their gates in every up) is left out to keep the three deployments short.
        await fleet.set("produktor", "components.monitoring", "false");
        const up = await fleet.up("produktor");
        assert.equal(up.code, 0, LabFleet.failure(up));
        await assert.rejects(fault.check(fleet), (error: Error) => {
          assert.match(error.message, fault.expect);
          return true;
        });
      } finally {
        // Stopped even when the removal fails: the fleet's NPM double would keep the test process alive.
        try {
          await fleet.removeCompletely("produktor");
        } finally {
          await fleet.stop();
          copy.dispose();
        }
      }
    });
  }
});
