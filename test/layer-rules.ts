/**
 * The house rules of the folders (issue #20), shared by the layering test (test/layers.test.ts), which checks them on
 * the import graph, and the handbook's test (test/handbook.test.ts), which holds the architecture page's folder table
 * to them.
 */

/** The layers, lowest first: a layer may import itself and the layers before it, nothing after. */
export const LAYERS = ["facts", "config", "model", "config-templates", "checks", "components"] as const;
/** Root files (index.ts: the Pulumi program) sit on top of the layers. */
export const ROOT = ".";
/** The lab's contract doubles: a folder of their own inside lab/ (see BESIDE). */
export const DOUBLES = "lab/doubles";
/** The lab's load generator and capacity benchmark (issue #31): a folder of its own inside lab/ (see BESIDE). */
export const LOAD = "lab/load";
/** The folders inside lab/ that are folders of their own. */
export const LAB_FOLDERS: readonly string[] = [DOUBLES, LOAD];
/** The lab browser's pure parts: a folder of their own inside lab/browser/ (see BESIDE). */
export const BROWSER_CORE = "lab/browser/core";

/**
 * Folders beside the layers: what each may import besides itself. None of them is imported by a layer. The
 * operator tools and the lab never need the Pulumi shell (components/); tests and the benchmark may import all.
 * tools/ (the engine's workspace, tools/engine/) imports nothing of the program; `./fleet preview` (cli/), its
 * tests, the engine benchmark and the Docker lab use it. The Docker lab (lab/deploy/) deploys with the real engine
 * and stands NPM's contract double (test/) in for Nginx Proxy Manager. lab/doubles/ is the one part of the lab the
 * unit suite may import: contract doubles of services that cannot run here, on Node's standard library alone (the
 * lab bundles them into the service's image), so they import nothing of the project. lab/browser/core/ is the lab
 * browser's pure part (its command line, the fake microphone, the causes it names, its log reading), which the unit
 * suite tests: it imports nothing of the project either. lab/load/ is another: the load generator's driver and the
 * capacity benchmark's measurement math, which the unit suite tests.
 */
export const BESIDE: Readonly<Record<string, readonly string[]>> = {
  adopt: ["facts", "config", "model", "config-templates", "checks"],
  verify: ["facts", "config", "model", "config-templates", "checks"],
  // The programs inside the monitoring's containers (the call probe runs verify's checks); components/ bundles
  // them by path (components/agent-bundle.ts), never by import.
  agents: ["facts", "config", "model", "config-templates", "checks", "verify"],
  cli: ["facts", "config", "model", "config-templates", "checks", "adopt", "verify", "tools"],
  lab: [
    "facts",
    "config",
    "model",
    "config-templates",
    "checks",
    "adopt",
    "verify",
    "agents",
    "cli",
    "tools",
    "test",
    DOUBLES,
    BROWSER_CORE,
    LOAD,
  ],
  [DOUBLES]: [],
  [BROWSER_CORE]: [],
  [LOAD]: ["facts", "config", "model", "config-templates", "checks", "lab"],
  bench: [...LAYERS, ROOT, "test", "tools"],
  test: [...LAYERS, ROOT, "adopt", "verify", "agents", "cli", "tools", DOUBLES, BROWSER_CORE, LOAD],
  tools: [],
};

/** The file of each folder whose header comment says what the folder holds and what it may import. */
export const MAIN_FILES: Readonly<Record<string, string>> = {
  facts: "facts/images.ts",
  config: "config/stack-config.ts",
  model: "model/topology.ts",
  "config-templates": "config-templates/plan.ts",
  checks: "checks/analyse.ts",
  components: "components/homeserver-stack.ts",
  adopt: "adopt/adoption-report.ts",
  verify: "verify/verify.ts",
  agents: "agents/call-probe.ts",
  cli: "cli/args.ts",
  lab: "lab/run.sh",
  [DOUBLES]: "lab/doubles/lk-jwt-service.ts",
  [BROWSER_CORE]: "lab/browser/core/switches.ts",
  [LOAD]: "lab/load/ramp.ts",
  bench: "bench/evaluate.ts",
  test: "test/helpers.ts",
  tools: "tools/actionlint.sh",
};
