// blk-test end to end through the CLI on simulated boards with a virtio-blk disk: type1 (virt) and noiommu
// (virt-noiommu), legacy and modern transports; the pattern must be in the disk file afterwards; a disk that lies
// (reads zeros whatever was written) is exit 8 at the first differing byte; refusals write nothing.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sectorPattern } from "../../src/cli/blk-test/pattern.ts";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { boardSpecOf, createSimBoundary } from "../../src/sim/index.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { stateDiskPath } from "../../src/sim/devices/virtio/blk-disk.ts";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const DEV = "a000000.virtio_mmio";

const states: { dispose(): void }[] = [];
afterEach(() => states.splice(0).forEach((s) => s.dispose()));

/** A state directory booted with `board` whose transport DEV holds a blk disk with `options`; DEV bound to VFIO. */
function boardWithDisk(board: string, options: Record<string, unknown>): { dir: string; env: Record<string, string>; disk: string } {
  return boardWithDiskAt(() => options, board);
}

/** As boardWithDisk, the options made knowing the state directory. */
function boardWithDiskAt(optionsIn: (dir: string) => Record<string, unknown>, board = "virt"): { dir: string; env: Record<string, string>; disk: string } {
  const spec = boardSpecOf(board);
  const state = tempSimState();
  states.push(state);
  const options = optionsIn(state.dir);
  const withDisk = {
    ...spec,
    devices: spec.devices.map((d) => (d.name === DEV ? { ...d, modelOptions: { ...d.modelOptions, device: "blk", ...options }, nativeProbeError: undefined } : d)),
  } as BoardSpec;
  createSimBoundary({ stateDir: state.dir, os: createRealBoundary(), board: withDisk }).dispose();
  const env = simEnv(state.dir);
  const bound = runCli(["bind", DEV], { env });
  if (bound.code !== 0) throw new Error(`bind: ${bound.stderr}`);
  return { dir: state.dir, env, disk: stateDiskPath(state.dir, DEV) };
}

const onDisk = (path: string, sector: number, count: number) => readFileSync(path).subarray(sector * 512, (sector + count) * 512);

describe("blk-test", () => {
  test("virt (type1), legacy: --json reports the disk and the run, and the pattern is in the disk file", () => {
    const { env, disk } = boardWithDisk("virt", { version: 1 });
    const r = runCli(["blk-test", DEV, "--sector", "10", "--count", "64", "--request-size", "8k", "--seed", "5", "--json"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({
      device: DEV,
      transport: { version: 1, noiommu: false },
      disk: { capacity_sectors: 16384, block_size: 512, read_only: false },
      range: { first_sector: 10, sectors: 64, seed: 5 },
      bytes: 64 * 512,
      requests: { write: 4, read: 4 },
      verified: true,
      mismatch: null,
    });
    expect(Buffer.from(onDisk(disk, 10, 64)).equals(Buffer.from(sectorPattern(5, 10, 64)))).toBe(true);
    expect(onDisk(disk, 74, 1).every((b) => b === 0)).toBe(true);
  });

  test("virt-noiommu, modern: physical addresses, words on stdout, the pattern in the disk file", () => {
    const { env, disk } = boardWithDisk("virt-noiommu", { version: 2 });
    const r = runCli(["blk-test", DEV, "--sector", "3", "--count", "40"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/modern transport \(Version 2\), 16384 sectors \(8 MiB\)[^\n]*\(noiommu: physical addresses\)\n/);
    expect(r.stdout).toMatch(/wrote 20480 bytes to sectors 3\.\.42 in 1 request \+ flush: /);
    expect(r.stdout).toMatch(/verified 20480 bytes \(seed 1\)\n$/);
    expect(Buffer.from(onDisk(disk, 3, 40)).equals(Buffer.from(sectorPattern(1, 3, 40)))).toBe(true);
  });

  test("virt-noiommu with the huge page pool emptied, --json: the small-pages warning is a JSON notice, stdout one document", async () => {
    const { dir, env, disk } = boardWithDisk("virt-noiommu", { version: 1 });
    const b = await openBoundary({ sim: true, simStateDir: dir });
    b.fs.writeFile("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0");
    b.dispose();
    const r = runCli(["--json", "blk-test", DEV, "--sector", "0", "--count", "16"], { env });
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).notice).toMatchObject({ code: "SMALL_PAGES", message: expect.stringContaining("locked small pages") });
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, transport: { noiommu: true } });
    expect(Buffer.from(onDisk(disk, 0, 16)).equals(Buffer.from(sectorPattern(1, 0, 16)))).toBe(true);
  });

  test("a disk that lies (reads zeros) fails the verify: exit 8 naming the first differing byte", () => {
    const { env } = boardWithDisk("virt", { image: "/dev/zero", capacitySectors: 4096 });
    const want = sectorPattern(9, 100, 8);
    const first = want.findIndex((b) => b !== 0);
    const r = runCli(["blk-test", DEV, "--sector", "100", "--count", "8", "--seed", "9", "--json"], { env });
    expect(r.code).toBe(8);
    const d = JSON.parse(r.stdout);
    expect(d.verified).toBe(false);
    expect(d.mismatch).toEqual({ offset: first, sector: 100 + Math.floor(first / 512), byte: first % 512, expected: `0x${want[first]!.toString(16)}`, got: "0x0" });
    expect(JSON.parse(r.stderr.trim()).error).toMatchObject({ exit: 8, code: "VERIFY_FAILED" });
    expect(r.stderr).toContain(`offset ${first} of sectors 100..107`);
  });

  test("refusals write nothing: no --sector, a range past the end", () => {
    const { env, disk } = boardWithDisk("virt", {});
    const none = runCli(["blk-test", DEV], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no default: name them with --sector");
    const past = runCli(["blk-test", DEV, "--sector", "16380", "--count", "8"], { env });
    expect(past.code).toBe(2);
    expect(past.stderr).toContain("sectors 16380..16387 are not all on a000000.virtio_mmio: it has 16384 sectors");
    expect(!existsSync(disk) || readFileSync(disk).every((b) => b === 0)).toBe(true);
  });

  test("Ctrl-C in the middle of a run: exit 130, and the device was reset (Status 0) before its buffers were freed", async () => {
    // A 1 GiB disk (an empty image file, read as zeros past its end): the run lasts long enough to be interrupted.
    const { dir, env } = boardWithDiskAt((d) => {
      const image = join(d, "big.img");
      writeFileSync(image, "");
      return { image, capacitySectors: 1 << 21 };
    });
    expect(dir).toBeTruthy();
    const p = spawnCli(["blk-test", DEV, "--sector", "0", "--count", String(1 << 21), "--request-size", "1M"], env);
    await readUntil(p.stdout, /virtio-blk on a/);
    p.kill("SIGINT");
    expect(await p.exited).toBe(130);
    const status = runCli(["read", DEV, "0:0x70.l"], { env });
    expect(status.stdout).toBe("0x00000000\n");
  });
});
