// `pl330 exec`'s buffers: `--buffer NAME=SIZE[:INIT]` read and checked before anything is opened, then allocated as
// DMA buffers (through the IOMMU, or pinned at physical addresses on noiommu, one contiguous run each), filled with
// their initial pattern, and named for the assembler. Each buffer's digest (SHA-256 over its SIZE bytes) is what the
// report prints, so two buffers that should be equal show the same digest.
import { pl330BufferAddress } from "../../drivers/pl330/reach.ts";
import { createHash } from "node:crypto";
import { isReservedAsmName } from "../../drivers/pl330/assembler.ts";
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { DmaBuffer } from "../../vfio/dma-buffer.ts";
import type { VfioSession } from "../../vfio/session.ts";
import { parseSize, SIZE_FORMS } from "../parse/numbers.ts";
import { freshSeed, patternBytes, patternName } from "../script/dma-pattern.ts";
import { parsePattern, type DmaPattern } from "../script/parse-script.ts";
import { UsageError } from "../usage-error.ts";

/** The largest buffer: all of them and the program must fit the PL330's 32-bit bus. */
export const MAX_BUFFER = 1n << 30n;
/** What INIT may be, for messages and help. */
export const INIT_FORMS = "zeros (the default), ones, byte:0xNN (or 0xNN), incrementing, random or random:SEED";

/** One `--buffer` as given. */
export interface BufferSpec {
  name: string;
  size: number;
  init: DmaPattern;
}

/** A placed buffer: its DMA memory, the address the device sees, and its first `size` bytes. */
export interface PlacedBuffer extends BufferSpec {
  buffer: DmaBuffer;
  address: number;
  data: Uint8Array;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseInit(text: string, spec: string): DmaPattern {
  const t = text.toLowerCase();
  if (t === "random") return { kind: "random", seed: freshSeed() };
  try {
    return parsePattern(t.startsWith("byte:") ? t.slice(5) : t);
  } catch {
    throw new UsageError(`invalid --buffer '${spec}': unknown INIT '${text}'`, `INIT is ${INIT_FORMS}`);
  }
}

/**
 * The `--buffer` options, checked: NAME=SIZE[:INIT], names unique and usable in the program, sizes 1..1G.
 * @throws UsageError naming the option as typed and what it should be
 */
export function parseBufferSpecs(specs: readonly string[]): BufferSpec[] {
  const out: BufferSpec[] = [];
  for (const spec of specs) {
    const m = /^([^=]*)=([^:]*)(?::(.*))?$/.exec(spec);
    if (!m) throw new UsageError(`invalid --buffer '${spec}': expected NAME=SIZE[:INIT]`, "e.g. --buffer src=4096:random --buffer dst=4k");
    const [, name, sizeText, initText] = m as unknown as [string, string, string, string | undefined];
    if (!NAME.test(name) || isReservedAsmName(name)) {
      throw new UsageError(
        `invalid --buffer '${spec}': '${name}' cannot name a buffer`,
        "a name is a letter or _ then letters, digits or _, and not SAR, DAR, CCR, lc0 or lc1",
      );
    }
    if (out.some((b) => b.name === name)) throw new UsageError(`--buffer ${name} given twice`, "give each buffer one name");
    const size = Number(parseSize(sizeText, `--buffer ${name} size`, { min: 1n, max: MAX_BUFFER }));
    if (!sizeText) throw new UsageError(`invalid --buffer '${spec}': no SIZE`, `SIZE is ${SIZE_FORMS}`);
    out.push({ name, size, init: initText === undefined ? { kind: "zeros" } : parseInit(initText, spec) });
  }
  return out;
}

/** `--dump NAME`s, each naming a buffer. @throws UsageError listing the buffers there are */
export function checkDumps(dumps: readonly string[], buffers: readonly BufferSpec[]): void {
  for (const d of dumps) {
    if (!buffers.some((b) => b.name === d)) {
      const names = buffers.map((b) => b.name);
      throw new UsageError(`--dump ${d}: no --buffer of that name`, names.length ? `the buffers are ${names.join(", ")}` : "add --buffer NAME=SIZE first");
    }
  }
}

/**
 * Allocate one buffer the device reads and writes (on noiommu: one physically contiguous pinned run) and register
 * its release with `keep` first, so a refusal half-way leaves nothing mapped.
 */
export function allocateBuffer(b: KernelBoundary, session: VfioSession, size: number, write: boolean, keep: (buf: DmaBuffer) => void): DmaBuffer {
  const buf = DmaBuffer.allocate(b, session.dma, size, { read: true, write }, undefined, { contiguous: true });
  keep(buf);
  return buf;
}

/** Allocate, fill and name every buffer. */
export function placeBuffers(b: KernelBoundary, session: VfioSession, specs: readonly BufferSpec[], keep: (buf: DmaBuffer) => void): PlacedBuffer[] {
  return specs.map((s) => {
    const buffer = allocateBuffer(b, session, s.size, true, keep);
    const address = pl330BufferAddress(session.device.name, s.name, buffer, s.size);
    const data = buffer.bytes.subarray(0, s.size);
    data.set(patternBytes(s.init, s.size));
    return { ...s, buffer, address, data };
  });
}

/** SHA-256 of a buffer's bytes, as hex. */
export function digest(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The INIT as the user could type it again (random with the seed it got). */
export const initName = (p: DmaPattern): string => patternName(p);

/** `src+0x1000` when `address` lies in [buffer, buffer+size] of one of them, else undefined. */
export function whereIn(address: number, buffers: readonly PlacedBuffer[], program?: { address: number; length: number }): string | undefined {
  const rel = (name: string, base: number) => `${name}${address === base ? "" : `+0x${(address - base).toString(16)}`}`;
  for (const b of buffers) if (address >= b.address && address <= b.address + b.size) return rel(b.name, b.address);
  if (program && address >= program.address && address <= program.address + program.length) return rel("program", program.address);
  return undefined;
}
