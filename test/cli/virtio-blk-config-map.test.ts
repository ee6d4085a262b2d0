// The virtio-blk configuration space by name on a simulated disk: `capacity` is le64, but virtio 1.x §4.2.2.2 wants
// 32-bit accesses for a 64-bit config field, so the built-in map has capacity_lo/capacity_hi and reading them makes
// two 4-byte accesses at 0x100 and 0x104 (never one 8-byte access); their values are the disk's capacity, and the
// other rows (blk_size, seg_max) read what the simulated device puts in its config space, on both transports.
import { afterEach, describe, expect, test } from "bun:test";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { boardSpecOf, createSimBoundary } from "../../src/sim/index.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const DEV = "a000000.virtio_mmio";
const SECTORS = 4096 + 7;

const states: { dispose(): void }[] = [];
afterEach(() => states.splice(0).forEach((s) => s.dispose()));

/** The virt board whose DEV is a virtio-blk disk of SECTORS sectors on transport `version`, DEV bound. */
function diskBoard(version: 1 | 2): Record<string, string> {
  const spec = boardSpecOf("virt");
  const state = tempSimState();
  states.push(state);
  const options = { device: "blk", version, image: "/dev/zero", capacitySectors: SECTORS };
  const board = { ...spec, devices: spec.devices.map((d) => (d.name === DEV ? { ...d, modelOptions: { ...d.modelOptions, ...options }, nativeProbeError: undefined } : d)) } as BoardSpec;
  createSimBoundary({ stateDir: state.dir, os: createRealBoundary(), board }).dispose();
  const env = simEnv(state.dir);
  const bound = runCli(["bind", DEV], { env });
  if (bound.code !== 0) throw new Error(`bind: ${bound.stderr}`);
  return env;
}

describe("virtio-blk config space by name", () => {
  for (const version of [1, 2] as const) {
    test(`Version ${version}: capacity is two 32-bit reads at 0x100 and 0x104 giving the disk's sectors; blk_size and seg_max as the device says`, () => {
      const env = diskBoard(version);
      const r = runCli(["--trace", "--json", "run", DEV, "-e", "read capacity_lo; read capacity_hi; read blk_size; read seg_max"], { env });
      expect(r.code).toBe(0);
      const reads = r.stderr.split("\n").filter((l) => /^trace: pread\(/.test(l) && /, 0x1[0-9a-f]{2}\)/.test(l)).map((l) => /pread\([^,]+, (\d+), (0x[0-9a-f]+)\)/.exec(l)!.slice(1).join("@"));
      expect(reads).toEqual(["4@0x100", "4@0x104", "4@0x114", "4@0x10c"]);
      const values = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((x) => x.type === "read").map((x) => [x.register, BigInt(x.value)]);
      expect(values.slice(0, 2)).toEqual([["capacity_lo", BigInt(SECTORS)], ["capacity_hi", 0n]]);
      expect(values[2]).toEqual(["blk_size", 512n]);
      expect(values[3]![1]).toBeGreaterThan(0n);
    });
  }
});
