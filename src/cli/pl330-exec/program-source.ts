// `pl330 exec`'s PROGRAM: assembly text or microcode bytes, decided by what the file (or stdin) holds, not by its
// name — text (UTF-8, no control bytes but whitespace) is assembled, anything else runs as is; `--asm`/`--binary`
// force it. Then the assembly with the buffers' addresses as names, its mistakes worded as bad input.
import { readFileSync } from "node:fs";
import { AsmError, assemble } from "../../drivers/pl330/assembler.ts";
import { UsageError } from "../usage-error.ts";

/** A program as read: its name for messages, and assembly text or the bytes of a binary. */
export interface ProgramSource {
  name: string;
  text?: string;
  bytes?: Uint8Array;
}

/** How PROGRAM is read: by content, or forced by --asm / --binary. */
export type ProgramKind = "auto" | "asm" | "binary";

/** The first byte that is not text (offset), or undefined when `data` is UTF-8 with no control byte but whitespace. */
export function firstNonText(data: Uint8Array): number | undefined {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    // Not UTF-8: report the first byte outside ASCII as the culprit (good enough for a message).
    const i = data.findIndex((x) => x >= 0x80);
    return i < 0 ? 0 : i;
  }
  const i = data.findIndex((x) => (x < 0x20 && x !== 0x09 && x !== 0x0a && x !== 0x0d && x !== 0x0c && x !== 0x0b) || x === 0x7f);
  return i < 0 ? undefined : i;
}

/**
 * Read PROGRAM (`-` is stdin) and decide what it is.
 * @throws UsageError for a file that cannot be read, an empty binary, `--asm` on bytes that are not text
 */
export function readProgram(path: string, kind: ProgramKind): ProgramSource {
  let data: Buffer;
  try {
    data = readFileSync(path === "-" ? 0 : path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`, "PROGRAM is assembly text (.s) or a binary from pl330 asm --output, or - for stdin");
  }
  const name = path === "-" ? "<stdin>" : path;
  const bad = firstNonText(data);
  if (kind === "asm" && bad !== undefined) {
    throw new UsageError(`${name} is not assembly text: byte 0x${data[bad]!.toString(16).padStart(2, "0")} at offset ${bad}`, "drop --asm to run it as microcode bytes");
  }
  if (kind === "asm" || (kind === "auto" && bad === undefined)) return { name, text: data.toString("utf8") };
  if (data.length === 0) throw new UsageError(`${name} is empty`, "a binary program needs at least one instruction (DMAEND is 0x00)");
  return { name, bytes: new Uint8Array(data) };
}

/** Assemble with the buffers' addresses as names and `base` for labels. @throws UsageError naming the file and line */
export function assembleAt(src: ProgramSource, base: number, symbols: Record<string, number>): Uint8Array {
  if (src.bytes) return src.bytes;
  try {
    const r = assemble(src.text!, { base, symbols });
    if (r.bytes.length === 0) throw new UsageError(`${src.name} assembles to nothing`, "a program ends with DMAEND");
    return r.bytes;
  } catch (e) {
    if (e instanceof AsmError) {
      const names = Object.keys(symbols);
      throw new UsageError(`${src.name}: ${e.message}`, names.length ? `the buffer names are ${names.join(", ")}; see docs/dma-test.md for the syntax` : "name buffers with --buffer NAME=SIZE; see docs/dma-test.md for the syntax");
    }
    throw e;
  }
}
