// `watch` at physical addresses on the simulated board (PL031 at 0x09010000, bound): `watch @0x...` finds the device
// covering them (devmem's habit), `watch DEVICE @0x...` mixes them with names, and every sample reads the same
// registers `read` does at the region offsets they resolve to (PCellID0 0x0d at 0xff0, PeriphID0 0x31 at 0xfe0).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const state = tempSimState();
const env = simEnv(state.dir);

beforeAll(() => {
  const r = runCli(["bind", PL031, "a000000.virtio_mmio"], { env });
  if (r.code !== 0) throw new Error(`bind failed: ${r.stderr}`);
});
afterAll(() => state.dispose());

type Doc = { type: string; device: string; values: { region: number; offset: string; width: number; value: string; phys?: string }[] };
const docs = (stdout: string) => stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Doc);

test("watch @0x... without DEVICE: the PL031 is found; each value is its region offset's, with `phys` in JSON", () => {
  const r = runCli(["--json", "watch", "@0x09010ff0.b", "@0x09010fe0.b", "--count", "2", "--interval", "100ms"], { env });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const samples = docs(r.stdout);
  expect(samples.length).toBe(2);
  const want = (off: string) => runCli(["read", PL031, `0:${off}.b`], { env }).stdout.trim();
  for (const s of samples) {
    expect(s.device).toBe(PL031);
    expect(s.values).toEqual([
      expect.objectContaining({ region: 0, offset: "0xff0", width: 8, value: want("0xff0"), phys: "0x9010ff0" }),
      expect.objectContaining({ region: 0, offset: "0xfe0", width: 8, value: want("0xfe0"), phys: "0x9010fe0" }),
    ]);
  }
  expect(samples[0]!.values[0]!.value).toBe("0x0d"); // PCellID0, as the issue asks of a read at 0x09010ff0
});

test("watch DEVICE @0x... NAME: a physical address in DEVICE next to a register name; no `phys` on the name", () => {
  const r = runCli(["--json", "watch", PL031, "@0x09010ff0.b", "RTCCR", "--count", "1"], { env });
  expect(r.code).toBe(0);
  const [s] = docs(r.stdout);
  expect(s!.values[0]).toMatchObject({ offset: "0xff0", phys: "0x9010ff0", value: "0x0d" });
  expect(s!.values[1]).toMatchObject({ offset: "0xc" });
  expect(s!.values[1]!.phys).toBeUndefined();
  const line = runCli(["watch", PL031, "@0x09010ff0.b", "RTCCR", "--count", "1"], { env });
  expect(line.stdout).toMatch(/^\S+Z 0:0x00000ff0\.b=0x0d RTCCR=0x0000000[01]\n$/);
});

test("--phys: plain numbers are physical addresses, DEVICE left out", () => {
  const r = runCli(["--json", "watch", "--phys", "0x09010ff0", "0x09010ff4", "--width", "8", "--count", "1"], { env });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const [s] = docs(r.stdout);
  expect(s!.device).toBe(PL031);
  expect(s!.values.map((v) => [v.offset, v.phys])).toEqual([
    ["0xff0", "0x9010ff0"],
    ["0xff4", "0x9010ff4"],
  ]);
});

test("addresses in two devices without DEVICE: refused before anything is opened, both devices named", () => {
  const r = runCli(["watch", "@0x09010000", "@0x0a000000", "--count", "1"], { env });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain("@0x09010000 is in 9010000.pl031 but @0x0a000000 is in a000000.virtio_mmio");
});
