// A modern (Version 2) virtio-mmio transport on the simulated virt board gets the virtio 1.x register map once it is
// open, in every command that takes names (read, write, poll, expect, run) and in `info`: a v2-only name resolves, a
// legacy-only name is refused naming the registers that replaced it, and `info` names the refined map and why.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createRealBoundary } from "../../src/ffi/index.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { boardSpecOf, createSimBoundary } from "../../src/sim/index.ts";
import { MMIO } from "../../src/spec/virtio-mmio.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

const DEV = "a000000.virtio_mmio";
const state = tempSimState();
const env = simEnv(state.dir);
const cli = (...args: string[]) => runCli(args, { env });

beforeAll(() => {
  const spec = boardSpecOf("virt");
  const modern = {
    ...spec,
    devices: spec.devices.map((d) => (d.name === DEV ? { ...d, modelOptions: { ...d.modelOptions, version: 2, device: "blk" }, nativeProbeError: undefined } : d)),
  } as BoardSpec;
  createSimBoundary({ stateDir: state.dir, os: createRealBoundary(), board: modern }).dispose();
  const r = cli("bind", DEV);
  if (r.code !== 0) throw new Error(`bind: ${r.stderr}`);
});
afterAll(() => state.dispose());

describe("a Version 2 transport resolves names in the virtio 1.x layout", () => {
  test("write QueueDescLow resolves to the modern offset (0x080): the dry run names the access, the write succeeds", () => {
    const d = cli("write", DEV, "QueueDescLow", "0x12340000", "--dry-run");
    expect(d.stderr).toBe("");
    expect(d.stdout).toBe(`dry-run: write 0:0x${MMIO.QUEUE_DESC_LOW.toString(16).padStart(8, "0")}.l = 0x12340000\n`);
    const w = cli("write", DEV, "QueueDescLow", "0x12340000");
    expect(w.stderr).toBe("");
    expect(w.code).toBe(0);
  });

  test("poll and expect take modern names (QueueReady, Version) and run scripts do too", () => {
    expect(cli("expect", DEV, "Version", "2").code).toBe(0);
    expect(cli("poll", DEV, "QueueReady", "0", "--timeout", "0").code).toBe(0);
    const r = cli("run", DEV, "-e", "expect Version 2; expect QueueReady 0");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("a legacy-only name (QueuePFN) is refused (exit 2) with the modern registers that replace it", () => {
    for (const args of [["read", DEV, "QueuePFN"], ["run", DEV, "-e", "read QueuePFN"]]) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("map virtio-mmio-v2-blk has no register 'QueuePFN'");
      expect(r.stderr).toContain("did you mean QueueDescLow, QueueDriverLow, QueueDeviceLow or QueueReady?");
    }
  });

  test("info names the refined map and the registers that chose it", () => {
    const r = cli("info", DEV);
    expect(r.stdout).toMatch(/register map: virtio-mmio-v2-blk \(\d+ registers\), built-in map virtio-mmio-v2-blk, for the device's compatible and its Version and DeviceID registers/);
    const j = JSON.parse(cli("--json", "info", DEV).stdout);
    expect(j.register_map.source).toEqual({ kind: "builtin", key: "virtio-mmio-v2-blk", readFrom: ["Version", "DeviceID"] });
  });
});
