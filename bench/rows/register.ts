// Rows 1 and 2: register access through the library on a real fd. With no VFIO device on the machine, a 64 KiB file on
// tmpfs stands in for the device fd: the library reads it through the real boundary's pread (Region.read32) and maps
// it through the real boundary's mmap (Region.mapped), and the C references pread/map the very same open file (its fd
// is handed to them as fd 3).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import { Region, abi } from "../../src/index.ts";
import { NO_CC, type BenchContext, type RowGroup } from "../lib/context.ts";
import { firstNumber, runChild } from "../lib/spawn.ts";

const FILE_SIZE = 64 * 1024;

/** A Region over a plain file: region 0 at offset 0, readable, writable and mappable, as a VFIO region would be. */
export function fileRegion(ctx: BenchContext, path: string): { region: Region; fd: number } {
  const fd = ctx.b.open(path, O_RDWR);
  const flags = abi.VFIO_REGION_INFO_FLAG_READ | abi.VFIO_REGION_INFO_FLAG_WRITE | abi.VFIO_REGION_INFO_FLAG_MMAP;
  const region = new Region(ctx.b, fd, "bench-file", { index: 0, flags, size: FILE_SIZE, offset: 0n, capOffset: 0 });
  return { region, fd };
}

// The library loops. Offsets step through the first 4 KiB (pread) or the whole mapping (mmap), as the C loops do.
function preadLoop(region: Region, n: number): number {
  let acc = 0;
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) acc ^= region.read32((i & 1023) * 4);
  const ns = (Bun.nanoseconds() - t0) / n;
  sink ^= acc;
  return ns;
}

// Both sides fold each value into the accumulator with one XOR (bench/c/mmap-loop.c does the same). A modular sum,
// `(acc + v) | 0`, is not the accessor's cost: JSC adds a uint32 that may exceed 2^31 in its int52 form, a 4-instruction
// dependency chain per iteration whatever produced the value (1.27 ns over a raw Uint32Array, no accessor at all,
// against 0.31 ns for XOR; docs/performance.md, "Issue 16: accessors").
function mmapReadLoop(region: Region, n: number): number {
  const m = region.mapped();
  const mask = FILE_SIZE / 4 - 1;
  let acc = 0;
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) acc ^= m.read32((i & mask) * 4);
  const ns = (Bun.nanoseconds() - t0) / n;
  sink ^= acc;
  return ns;
}

function mmapWriteLoop(region: Region, n: number): number {
  const m = region.mapped();
  const mask = FILE_SIZE / 4 - 1;
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) m.write32((i & mask) * 4, i);
  return (Bun.nanoseconds() - t0) / n;
}

/**
 * The same loops over a plain Uint32Array of the same size (the JS heap, no accessor: no bound or alignment check, no
 * barrier, so not volatile): what a JS loop costs without the accessor's checks, for the rows' notes.
 */
function rawLoop(write: boolean, n: number): number {
  const u32 = new Uint32Array(FILE_SIZE / 4);
  const mask = u32.length - 1;
  let acc = 0;
  const t0 = Bun.nanoseconds();
  if (write) for (let i = 0; i < n; i++) u32[i & mask] = i;
  else for (let i = 0; i < n; i++) acc ^= u32[i & mask]!;
  const ns = (Bun.nanoseconds() - t0) / n;
  sink ^= acc ^ u32[n & mask]!;
  return ns;
}

/** Keeps loop results alive so no loop is optimised away. */
let sink = 0;

export const registerRows: RowGroup = {
  name: "register access",
  rows: [
    {
      id: "register-pread",
      what: "register access (pread)",
      vfioSide: "Region.read32 in a loop on a tmpfs file fd (stands in for a device fd)",
      referenceSide: "C loop of pread of 4 bytes on the same fd",
      unit: "ns",
      goal: { kind: "ratio-max", value: 1.3 },
    },
    {
      id: "mmap-read32",
      what: "mmap accessor read32",
      vfioSide: "Mapping.read32 through the library's mapping of the same file",
      referenceSide: "C volatile 32-bit loads (XOR-folded, as the JS loop) on a MAP_SHARED mapping of the same fd",
      unit: "ns",
      goal: { kind: "ratio-max", value: 1.5 },
    },
    {
      id: "mmap-write32",
      what: "mmap accessor write32",
      vfioSide: "Mapping.write32 through the library's mapping of the same file",
      referenceSide: "C volatile 32-bit stores on a MAP_SHARED mapping of the same fd",
      unit: "ns",
      goal: { kind: "ratio-max", value: 1.5 },
    },
  ],
  async run(ctx) {
    if (!ctx.c) return { "register-pread": NO_CC, "mmap-read32": NO_CC, "mmap-write32": NO_CC };
    const path = join(ctx.tmp, "registers.bin");
    const init = new Uint8Array(FILE_SIZE);
    for (let i = 0; i < init.length; i++) init[i] = (i * 131) & 0xff;
    writeFileSync(path, init);
    const { region, fd } = fileRegion(ctx, path);
    const preadN = ctx.quick ? 20_000 : 300_000;
    const mmapN = ctx.quick ? 200_000 : 20_000_000;
    const c = ctx.c.programs;
    try {
      const pairs = async (lib: () => number, ref: () => Promise<number>) => {
        lib();
        await ref(); // warm-up of both sides, not recorded
        const vfio: number[] = [];
        const reference: number[] = [];
        for (let s = 0; s < ctx.samples; s++) {
          vfio.push(lib());
          reference.push(await ref());
        }
        return { kind: "measured" as const, vfio, reference };
      };
      const cRun = async (argv: string[]) => firstNumber((await runChild(argv, { fds: [fd] })).stdout, argv[0]!);
      ctx.log("register access: pread");
      const pread = await pairs(() => preadLoop(region, preadN), () => cRun([c["pread-loop"]!, String(preadN)]));
      ctx.log("register access: mmap read32");
      const read = await pairs(() => mmapReadLoop(region, mmapN), () => cRun([c["mmap-loop"]!, "read", String(mmapN), String(FILE_SIZE)]));
      ctx.log("register access: mmap write32");
      const write = await pairs(() => mmapWriteLoop(region, mmapN), () => cRun([c["mmap-loop"]!, "write", String(mmapN), String(FILE_SIZE)]));
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
      const rawNote = (w: boolean) => {
        rawLoop(w, mmapN); // warm-up
        const ns = med(Array.from({ length: ctx.samples }, () => rawLoop(w, mmapN)));
        return `the same loop over a plain Uint32Array (no bound or alignment check, no barrier: not volatile) runs ${ns.toFixed(3)} ns; the rest is the accessor's checks and its barrier, which keep a device access in range and every access made`;
      };
      return { "register-pread": pread, "mmap-read32": { ...read, note: rawNote(false) }, "mmap-write32": { ...write, note: rawNote(true) } };
    } finally {
      region.unmap();
      ctx.b.close(fd);
    }
  },
};
