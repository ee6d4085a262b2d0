// Linux-style memcpy programs (pl330-smmu.md §1.10) on the PL330 model over sizes from 1 byte to 4 MiB and every
// combination of source/destination alignment mod 8, with guard bytes around the destination: every byte lands, no
// byte outside is touched, the channel ends Stopped with SAR/DAR at the ends and its completion interrupt raised.
import { describe, expect, test } from "bun:test";
import { chState, memcpyProgram, R, rig, runUntil, start, type Rig } from "../helpers/sim-pl330.ts";

const PROG = 0x1000, SRC = 0x100000, DST = 0x900000, GUARD = 64;

function copy(t: Rig, src: number, dst: number, size: number, o: Parameters<typeof memcpyProgram>[3] = {}): void {
  const m = t.port.mem;
  for (let i = 0; i < size; i++) m[src + i] = (i * 251 + (i >>> 9) + size) & 0xff;
  m.fill(0xa5, dst - GUARD, dst + size + GUARD);
  const p = memcpyProgram(src, dst, size, o);
  t.put(PROG, p);
  t.w(R.INTEN, 1);
  start(t, 0, PROG);
  runUntil(t, () => chState(t, 0) === 0, 0.2, 1000);
  const tag = `size ${size} src+${src % 8} dst+${dst % 8}`;
  expect({ tag, fault: t.r(R.FTR(0)), sar: t.r(R.SAR(0)) - src, dar: t.r(R.DAR(0)) - dst, cpc: t.r(R.CPC(0)) - PROG }).toEqual({
    tag,
    fault: 0,
    sar: size,
    dar: size,
    cpc: p.length - 1,
  });
  expect({ tag, same: Buffer.compare(m.subarray(dst, dst + size), m.subarray(src, src + size)) }).toEqual({ tag, same: 0 });
  const guards = [...m.subarray(dst - GUARD, dst), ...m.subarray(dst + size, dst + size + GUARD)];
  expect({ tag, guards: guards.every((b) => b === 0xa5) }).toEqual({ tag, guards: true });
  expect(t.r(R.INTMIS)).toBe(1);
  t.w(R.INTCLR, 1);
}

describe("PL330 memcpy", () => {
  test("sizes 1 B .. 4 KiB + 1, all 8 x 8 source/destination alignments", () => {
    const t = rig();
    for (const size of [1, 2, 3, 5, 8, 15, 16, 17, 100, 127, 128, 129, 255, 256, 1000, 4095, 4096, 4097]) {
      for (let sa = 0; sa < 8; sa++) for (let da = 0; da < 8; da++) copy(t, SRC + sa, DST + da, size);
    }
  });

  test("64 KiB + 40 and 1 MiB + 3 at mixed alignments (nested loops, leftover bursts)", () => {
    const t = rig();
    for (const [sa, da] of [[0, 0], [3, 5], [4, 4], [6, 2]] as const) copy(t, SRC + sa, DST + da, 65536 + 40);
    for (const [sa, da] of [[0, 0], [2, 6]] as const) copy(t, SRC + sa, DST + da, (1 << 20) + 3);
  });

  test("4 MiB aligned, and 4 MiB byte-aligned (1-byte beats)", () => {
    const t = rig();
    copy(t, SRC, DST, 4 << 20);
    copy(t, SRC + 1, DST + 7, 4 << 20);
  });

  test("unrolled bodies and the r0p0 body (DMALD; DMARMB; DMAST; DMAWMB) copy the same", () => {
    const t = rig();
    copy(t, SRC, DST, (1 << 20) + 24, { unroll: 8 });
    copy(t, SRC + 2, DST + 6, 70000, { barriers: true });
  });
});
