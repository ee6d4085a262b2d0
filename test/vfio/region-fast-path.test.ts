// Policy: Region.read8/16/32 and write8/16/32 (the hot paths, with their own integer checks) behave exactly as the
// general read(offset, width) / write(offset, width, value): the same single pread/pwrite at the same file offset, the
// same values (unsigned, bit 31 included), and the same error class and message for every refused access, which
// touches nothing. Each case runs after a warm-up loop, so the JIT-compiled fast path is the one checked.
import { describe, expect, test } from "bun:test";
import { Device } from "../../src/vfio/device.ts";
import type { Region } from "../../src/vfio/region.ts";
import { ScriptedBoundary, scriptDevice } from "../helpers/scripted-boundary.ts";

const READ = 1;
const WRITE = 2;
const AT1 = 1n << 40n;

/** Region 0 read-only (0x100), region 1 read-write (4 KiB at 1 << 40), region 2 write-only, region 3 empty. */
function device() {
  const b = scriptDevice(new ScriptedBoundary(), {
    flags: 8,
    regions: [
      { flags: READ, size: 0x100n, offset: 0n },
      { flags: READ | WRITE, size: 0x1000n, offset: AT1 },
      { flags: WRITE, size: 0x100n, offset: 2n << 40n },
      { flags: READ | WRITE, size: 0n, offset: 3n << 40n },
    ],
    irqs: [],
  });
  // Every pread answers with bytes derived from the file offset, top bits set: a read's value proves where it went.
  b.on("pread", (buf) => {
    const offset = (b.calls.at(-1) as { offset: number }).offset; // this pread's, recorded just before the answer
    for (let i = 0; i < buf.length; i++) buf[i] = 0x80 | ((offset + i) & 0x7f);
    return buf.length;
  });
  b.on("pwrite", (buf) => buf.length);
  return { b, d: new Device(b, 5, "dev") };
}

/** The error `fn` throws, as [class name, message]; ["none", ""] when it returns. */
function outcome(fn: () => unknown): [string, string] {
  try {
    fn();
    return ["none", ""];
  } catch (e) {
    return [(e as Error).constructor.name, (e as Error).message];
  }
}

const WIDTHS = [
  [8, (r: Region, o: number) => r.read8(o), (r: Region, o: number, v: number) => r.write8(o, v)],
  [16, (r: Region, o: number) => r.read16(o), (r: Region, o: number, v: number) => r.write16(o, v)],
  [32, (r: Region, o: number) => r.read32(o), (r: Region, o: number, v: number) => r.write32(o, v)],
] as const;

describe.each(WIDTHS)("%i-bit fast path", (width, read, write) => {
  const bytes = width / 8;

  test("reads: same value and the same one pread as read(offset, width), every offset of the region", () => {
    const { b, d } = device();
    const r = d.region(1);
    for (let w = 0; w < 20; w++) for (let o = 0; o < 0x1000; o += bytes) read(r, o);
    b.calls.length = 0;
    for (let o = 0; o < 0x1000; o += bytes) {
      const fast = read(r, o);
      expect(fast).toBe(r.read(o, width));
      expect(fast).toBeGreaterThanOrEqual(2 ** (width - 1)); // bit width-1 set, still positive
    }
    const preads = b.callsOf("pread").map((c) => [c.offset - Number(AT1), c.length]);
    expect(preads.length).toBe((0x1000 / bytes) * 2);
    for (let i = 0; i < preads.length; i += 2) expect(preads[i]).toEqual(preads[i + 1]);
  });

  test("writes: the same one pwrite, same bytes, as write(offset, width, value); the top value fits", () => {
    const { b, d } = device();
    const r = d.region(1);
    const top = 2 ** width - 1;
    for (let w = 0; w < 20_000; w++) write(r, (w * bytes) & 0xfff, w & top);
    b.calls.length = 0;
    write(r, 0x40, top);
    r.write(0x40, width, top);
    const [fast, general] = b.callsOf("pwrite");
    expect(fast!.offset).toBe(Number(AT1) + 0x40);
    expect(fast!.length).toBe(bytes);
    expect(fast!.data).toEqual(general!.data);
    expect([...fast!.data!]).toEqual(new Array(bytes).fill(0xff));
  });

  const badOffsets = [-bytes, 0x1000, 2 ** 32, 2 ** 31, 1.5, NaN, Infinity, 4n as unknown as number];
  if (bytes > 1) badOffsets.push(1);
  // (A bigint value that fits is accepted by both paths: the general one takes either type at run time.)
  const badValues = [-1, 2 ** width, 0.5, NaN, "1" as unknown as number];

  test("refused reads and writes: same error as the general path, and no transfer", () => {
    const { b, d } = device();
    const [ro, rw, wo, empty] = [0, 1, 2, 3].map((i) => d.region(i));
    for (let w = 0; w < 20_000; w++) {
      read(rw!, (w * bytes) & 0xfff);
      write(rw!, (w * bytes) & 0xfff, 1);
    }
    b.calls.length = 0;
    const cases: [string, () => unknown, () => unknown][] = [];
    for (const o of badOffsets) {
      cases.push([`read ${String(o)}`, () => read(rw!, o), () => rw!.read(o, width)]);
      cases.push([`write ${String(o)}`, () => write(rw!, o, 1), () => rw!.write(o, width, 1)]);
    }
    for (const v of badValues) cases.push([`write value ${String(v)}`, () => write(rw!, 0, v), () => rw!.write(0, width, v)]);
    cases.push(["read of a write-only region", () => read(wo!, 0), () => wo!.read(0, width)]);
    cases.push(["write to a read-only region", () => write(ro!, 0, 1), () => ro!.write(0, width, 1)]);
    cases.push(["read of an empty region", () => read(empty!, 0), () => empty!.read(0, width)]);
    cases.push(["write to an empty region", () => write(empty!, 0, 1), () => empty!.write(0, width, 1)]);
    for (const [what, fast, general] of cases) {
      const got = outcome(fast);
      expect(got[0], what).not.toBe("none");
      expect(got, what).toEqual(outcome(general));
    }
    expect(b.callsOf("pread").length + b.callsOf("pwrite").length).toBe(0);
  });
});
