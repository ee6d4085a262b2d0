// A plan file's text as a YAML document with source positions (JSON is read by the same parser: JSON is YAML 1.2),
// so every complaint about a plan names FILE:LINE:COLUMN of the key or value at fault, for the schema check and the
// semantic checks alike.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { UsageError } from "../usage-error.ts";

/** A parsed plan file: its plain data and a way back from a data path to the text. */
export interface PlanSource {
  file: string;
  data: unknown;
  /** "FILE:LINE:COL" of the value at `path` (or of `key` inside it, when given and present); the nearest ancestor
   * that exists when the path runs out (a missing key is reported where its object starts). */
  where(path: readonly (string | number)[], key?: string): string;
}

/** The key text of a map pair, or undefined for a complex key. */
function keyText(k: unknown): string | undefined {
  return isScalar(k) ? String(k.value) : undefined;
}

/**
 * Parse `text` (from `file`) as YAML or JSON.
 * @throws UsageError "FILE:LINE:COL: <what the parser says>" for a syntax error or a duplicate key
 */
export function parsePlanSource(file: string, text: string): PlanSource {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number): string => {
    const p = lines.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const err = doc.errors[0];
  if (err) {
    const what = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new UsageError(`${at(err.pos[0])}: ${what}`, "a plan is YAML or JSON (docs/plans.md)");
  }
  const where = (path: readonly (string | number)[], key?: string): string => {
    let node: unknown = doc.contents;
    let last = doc.contents as Node | null;
    const step = (seg: string | number, wantKey: boolean): boolean => {
      if (isSeq(node)) node = node.items[Number(seg)];
      else if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return false;
        // A key asked for by name points at the key itself; a value left empty (`key:`) at its key.
        node = wantKey ? pair.key : (pair.value ?? pair.key);
      } else return false;
      if (node && typeof node === "object" && "range" in node) last = node as Node;
      return node !== undefined;
    };
    let found = true;
    for (const seg of path) if (!(found = step(seg, false))) break;
    if (found && key !== undefined) step(key, true);
    return at(last?.range?.[0] ?? 0);
  };
  return { file, data: doc.toJS({ maxAliasCount: 100 }), where };
}

/** A data path in words: "device 9010000.pl031, step identify" (by the ids the plan gave, else by position). */
export function pathWords(data: unknown, path: readonly (string | number)[]): string {
  const words: string[] = [];
  let node: any = data; // plain data from toJS: walked by key
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const parent = node;
    node = node?.[seg];
    const list = path[i - 1];
    if (list === "devices" && Array.isArray(parent)) words.push(`device ${typeof node?.device === "string" ? node.device : `#${Number(seg) + 1}`}`);
    else if (list === "steps" && Array.isArray(parent)) words.push(`step ${typeof node?.id === "string" ? node.id : `#${Number(seg) + 1}`}`);
    else if (seg !== "devices" && seg !== "steps") words.push(`'${seg}'`);
  }
  return words.join(", ");
}

