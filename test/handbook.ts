/**
 * What the handbook's test (test/handbook.test.ts) reads in the markdown pages: headings and their GitHub anchors,
 * links, code blocks and inline code, and shell commands split into words the way a shell would.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface Page {
  /** Relative to the repository root, with `/`. */
  readonly file: string;
  readonly text: string;
}

/** The markdown files of the repository (README, docs/, lab/ notes), dependencies and caches aside. */
export function markdownPages(root: string): Page[] {
  const skip = new Set(["node_modules", ".git", ".cache", ".lab", "out", "bin", ".pulumi-state"]);
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      if (skip.has(entry.name)) return [];
      const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) return walk(rel);
      return entry.name.endsWith(".md") ? [rel] : [];
    });
  return walk("")
    .sort()
    .map((file) => ({ file, text: fs.readFileSync(path.join(root, file), "utf8") }));
}

/** The page's lines outside fenced code blocks (code lines become empty, so line numbers stay). */
export function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split("\n").map((line) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === undefined && opening !== null) {
      fence = opening[1]![0]!.repeat(opening[1]!.length);
      return "";
    }
    if (fence !== undefined) {
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, "") === "") fence = undefined;
      return "";
    }
    return line;
  });
}

/** Fenced code blocks with their language (`sh`, `diff`, or empty). */
export function codeBlocks(text: string): Array<{ lang: string; body: string; line: number }> {
  const blocks: Array<{ lang: string; body: string; line: number }> = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const opening = /^\s*(`{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (opening === null) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trim().startsWith(opening[1]!)) body.push(lines[j++]!);
    blocks.push({ lang: opening[2] ?? "", body: body.join("\n"), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** Inline code spans in the prose. */
export function inlineCode(text: string): string[] {
  return proseLines(text).flatMap((line) => [...line.matchAll(/(`+)([^`]+?)\1/g)].map((m) => m[2]!.trim()));
}

/** A heading's text as GitHub renders it: inline code, emphasis and links reduced to their text. */
function headingText(raw: string): string {
  return raw
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/(\*\*|__)(.*?)\1/g, "$2")
    .replace(/(^|\W)[*_](\S.*?)[*_](?=\W|$)/g, "$1$2")
    .trim();
}

/**
 * GitHub's anchor for a heading (github-slugger): lower case; everything but letters, marks, digits, connector
 * punctuation (`_`), hyphens and spaces removed; each space a hyphen.
 */
export function githubSlug(heading: string): string {
  return headingText(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page offers: its headings' slugs (duplicates numbered as GitHub does) and explicit ids. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading !== null) {
      const slug = githubSlug(heading[1]!);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const id of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id[1]!);
  }
  return anchors;
}

/** Markdown links `[text](target)` in the prose, with their line. */
export function linksOf(text: string): Array<{ target: string; line: number }> {
  return proseLines(text).flatMap((line, index) =>
    [...line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({
      target: m[1]!,
      line: index + 1,
    })),
  );
}

/** How a placeholder's own characters are kept inside one word (and how to recognise them there). */
const PLACEHOLDER_CHARS: Readonly<Record<string, string>> = { "<": "‹", ">": "›", "|": "¦", " ": "\u00a0" };

/**
 * A shell text split into simple commands (at `|`, `&&`, `||`, `;` and line ends), each as its words: quotes removed,
 * comments and redirections (`> file`) dropped, `\` line continuations joined.
 */
export function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  let redirect = false;
  const endWord = (): void => {
    if (word === undefined) return;
    if (redirect) redirect = false;
    else words.push(word);
    word = undefined;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  // `<name|all>` in a page is a placeholder, not a redirection and a pipe: one word.
  const text = script
    .replace(/\\\n/g, " ")
    .replace(/<[A-Za-z][^<>\n]*>/g, (placeholder) =>
      placeholder.replace(/[<>| ]/g, (c) => PLACEHOLDER_CHARS[c]!),
    );
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else word = (word ?? "") + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word = word ?? "";
    } else if (c === "#" && word === undefined) {
      while (i < text.length && text[i] !== "\n") i++;
      endCommand();
    } else if (c === "\n" || c === ";" || c === "|" || c === "&") {
      endCommand();
      if ((c === "|" || c === "&") && text[i + 1] === c) i++;
    } else if (c === ">" || c === "<") {
      // `2>`, `>>`, `>&1`: the descriptor and the target are no words of the command.
      if (word !== undefined && /^\d$/.test(word)) word = undefined;
      endWord();
      if (text[i + 1] === ">" || text[i + 1] === "&") i++;
      redirect = true;
    } else if (c === " " || c === "\t") {
      endWord();
    } else {
      word = (word ?? "") + c;
    }
  }
  endCommand();
  return commands;
}
