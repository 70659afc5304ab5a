/**
 * Which stacks a pull request's `pulumi preview` has to cover, and why: pure, from what changed against the base
 * branch. Every stack when the program itself changed (a file the Pulumi program is made of, or its dependencies:
 * a preview of any stack could differ); otherwise the stacks whose rendered files changed (`render --stack all
 * --diff <base>`, which also catches a stack that stopped or started rendering, e.g. a fleet problem one stack
 * file causes in another) and the stacks whose own stack file changed (a secret value or NPM credential changes
 * a preview without changing a rendered file). Used by cli/changed-stacks.ts in the pull-request workflow.
 */

export interface SelectionInput {
  /** The stacks with a stack file in the pull request's tree, sorted. */
  readonly stacks: readonly string[];
  /** Repository paths that differ between the base and the pull request (both names of a rename). */
  readonly changedFiles: readonly string[];
  /** The output of `render --stack all --diff <base>`. */
  readonly renderDiff: string;
  /** Repository paths the Pulumi program is made of (its import closure and its dependency manifests). */
  readonly programFiles: ReadonlySet<string>;
}

export interface StackPreview {
  readonly stack: string;
  readonly reasons: readonly string[];
}

export interface Selection {
  readonly stacks: readonly string[];
  /** Program files that changed; when there are any, every stack is previewed. */
  readonly programChanges: readonly string[];
  readonly previews: readonly StackPreview[];
}

const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;
/** A changed file's header in `render --diff` output: `+++ working-tree:<stack>/<path>`. */
const RENDERED_FILE = /^\+\+\+ working-tree:([^/\s]+)\/(\S+)/;

export function selectStacks(input: SelectionInput): Selection {
  const programChanges = input.changedFiles.filter((file) => input.programFiles.has(file)).sort();
  if (programChanges.length > 0) {
    const reason = `the program changed: ${listed(programChanges)}`;
    return {
      stacks: input.stacks,
      programChanges,
      previews: input.stacks.map((stack) => ({ stack, reasons: [reason] })),
    };
  }
  const rendered = renderedChanges(input.renderDiff);
  const stackFiles = new Set(input.changedFiles.flatMap((file) => STACK_FILE.exec(file)?.[1] ?? []));
  const previews = input.stacks.flatMap((stack) => {
    const reasons: string[] = [];
    const files = rendered.get(stack);
    if (files !== undefined) reasons.push(`rendered files changed: ${listed(files)}`);
    if (stackFiles.has(stack)) reasons.push(`its stack file changed: Pulumi.${stack}.yaml`);
    return reasons.length > 0 ? [{ stack, reasons }] : [];
  });
  return { stacks: input.stacks, programChanges, previews };
}

/** The rendered files `render --diff` shows changed, by stack (paths relative to the stack's output). */
export function renderedChanges(diff: string): Map<string, string[]> {
  const changed = new Map<string, string[]>();
  for (const line of diff.split("\n")) {
    const match = RENDERED_FILE.exec(line);
    if (match === null) continue;
    const [, stack, file] = match as unknown as [string, string, string];
    changed.set(stack, [...(changed.get(stack) ?? []), file]);
  }
  return changed;
}

/** The job summary: which stacks are previewed and why, in Markdown. */
export function selectionSummary(selection: Selection, base: string): string {
  const total = selection.stacks.length;
  const lines = [`## Stacks previewed against ${base}`, ""];
  if (selection.programChanges.length > 0) {
    lines.push(`All ${total} stacks, because the program changed: ${listed(selection.programChanges)}.`);
  } else if (selection.previews.length === 0) {
    lines.push(
      `None of the ${total} stacks: no rendered file and no stack file changed, and the program did not change.`,
    );
  } else {
    lines.push(`${selection.previews.length} of ${total} stacks; the program did not change.`, "");
    lines.push("| stack | why |", "| --- | --- |");
    for (const { stack, reasons } of selection.previews) lines.push(`| ${stack} | ${reasons.join("; ")} |`);
  }
  return `${lines.join("\n")}\n`;
}

export interface PreviewBatch {
  /** For the job's name: the stack, or the batch's number and its first and last stack. */
  readonly name: string;
  /** Space-separated stack names (stack names hold no spaces). */
  readonly stacks: string;
}

/**
 * The selected stacks as jobs: one stack per job while they fit into `maxJobs`, else `maxJobs` batches of
 * consecutive stacks (a workflow matrix holds at most 256 jobs, and each job pays for its own setup).
 */
export function previewBatches(stacks: readonly string[], maxJobs: number): PreviewBatch[] {
  if (stacks.length <= maxJobs) return stacks.map((stack) => ({ name: stack, stacks: stack }));
  const size = Math.ceil(stacks.length / maxJobs);
  const batches: PreviewBatch[] = [];
  for (let start = 0; start < stacks.length; start += size) {
    const part = stacks.slice(start, start + size);
    const number = batches.length + 1;
    const count = Math.ceil(stacks.length / size);
    batches.push({ name: `${number} of ${count}: ${part[0]} … ${part.at(-1)}`, stacks: part.join(" ") });
  }
  return batches;
}

/** Up to five names in backquotes, then how many more. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => `\`${name}\``);
  return names.length > 5 ? `${shown.join(", ")} and ${names.length - 5} more` : shown.join(", ");
}
