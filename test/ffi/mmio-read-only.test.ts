// A store to a page mapped without PROT_WRITE is a SIGSEGV that kills the process: a read-only mapping must refuse
// every store (any width, warmed-up fast path or not) with a RangeError, and still read. Run in a child process, so
// that if the refusal breaks, the crash is the child's and this test sees it.
import { expect, test } from "bun:test";
import { join } from "node:path";

const CHILD = `
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealBoundary } from ${JSON.stringify(join(import.meta.dir, "../../src/ffi/index.ts"))};
import { MAP_SHARED, O_RDONLY, O_RDWR, PROT_READ, PROT_WRITE } from ${JSON.stringify(join(import.meta.dir, "../../src/boundary/kernel-boundary.ts"))};
const k = createRealBoundary();
const path = join(mkdtempSync(join(tmpdir(), "vfio-plat-ro-")), "regs.bin");
writeFileSync(path, new Uint8Array(4096).fill(0x5a));
const ro = k.mmap(k.open(path, O_RDONLY), 4096, PROT_READ, MAP_SHARED, 0);
const out = { reads: [ro.read8(0), ro.read16(2), ro.read32(4), String(ro.read64(8))], refused: [] as string[] };
const stores = [() => ro.write8(1, 1), () => ro.write16(2, 1), () => ro.write32(4, 1), () => ro.write64(8, 1n), () => ro.write32(4092, 1), () => ro.write32(4096, 1)];
for (let round = 0; round < 20000; round++) {
  for (const [n, store] of stores.entries()) {
    try { store(); out.refused.push("stored " + n); } catch (e) { if (round === 0) out.refused.push((e as Error).message); }
  }
}
// A writable mapping of the same file still stores (the views are not emptied for it).
const rw = k.mmap(k.open(path, O_RDWR), 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
for (let i = 0; i < 20000; i++) rw.write32(16, i);
out.reads.push(rw.read32(16), readFileSync(path)[16]);
console.log(JSON.stringify(out));
`;

test("a read-only mapping refuses every store with a RangeError and keeps reading; a writable one stores", () => {
  const r = Bun.spawnSync([process.execPath, "-e", CHILD], { stdout: "pipe", stderr: "pipe" });
  expect({ exit: r.exitCode, stderr: r.stderr.toString().slice(0, 300) }).toEqual({ exit: 0, stderr: "" });
  const out = JSON.parse(r.stdout.toString()) as { reads: (number | string)[]; refused: string[] };
  expect(out.reads).toEqual([0x5a, 0x5a5a, 0x5a5a5a5a, String(0x5a5a5a5a5a5a5a5an), 19999, 19999 & 0xff]);
  expect(out.refused).toEqual([
    "8-bit store at offset 1: the mapping is read-only (no PROT_WRITE)",
    "16-bit store at offset 2: the mapping is read-only (no PROT_WRITE)",
    "32-bit store at offset 4: the mapping is read-only (no PROT_WRITE)",
    "64-bit store at offset 8: the mapping is read-only (no PROT_WRITE)",
    "32-bit store at offset 4092: the mapping is read-only (no PROT_WRITE)",
    "32-bit access at offset 4096 is outside the 4096-byte mapping",
  ]);
});
