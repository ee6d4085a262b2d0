// `log --follow` sees what another process makes the kernel log: a dma-test with --inject readonly-dst, run by a
// separate vfio-plat process while the follower waits, provokes an SMMU permission fault whose records (and, with
// --smmu, the decoded fault) the follower prints as they arrive; --json makes JSON Lines; --follow-new prints only
// records that arrive after it started (all of them: it seeks past the newest record, as dmesg -W). As root, the real kernel's /dev/kmsg is followed the same way.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { accessSync, constants, writeFileSync } from "node:fs";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const DMA = "2c0a0000.dma";
const state = tempSimState();
const env = simEnv(state.dir);
const SEEKED = /trace: lseek\(\/dev\/kmsg#\d+, 0, SEEK_END\) = 0\n/;
const inject = () => runCli(["dma-test", DMA, "--size", "64k", "--inject", "readonly-dst"], { env });

beforeAll(() => {
  const r = runCli(["bind", DMA], { env });
  if (r.code !== 0) throw new Error(`bind failed: ${r.stderr}`);
});
afterAll(() => state.dispose());

test("--follow --smmu: a fault made by another process appears, records and decoded line, without a restart", async () => {
  const p = spawnCli(["log", "--follow", "--smmu"], env);
  try {
    expect(inject().code).toBe(1); // the injected fault fails the copy, by design
    const out = await readUntil(p.stdout, /^fault: .*\n/m);
    expect(out).toMatch(/^\[ *\d+\.\d{6}\] arm-smmu-v3 9050000\.smmuv3: event 0x13 received:$/m);
    expect(out).toMatch(/^fault: arm-smmu-v3 9050000\.smmuv3: F_PERMISSION \(event 0x13\): write, data, unprivileged, stream 0x0, iova 0x[0-9a-f]{8}$/m);
    // --smmu: nothing but the SMMU driver's records and faults.
    for (const line of out.trimEnd().split("\n")) expect(line).toMatch(/^(\[ *\d+\.\d+\] arm-smmu-v3 |fault: )/);
  } finally {
    p.kill("SIGINT");
    expect(await p.exited).toBe(130);
  }
}, 60_000);

test("--json --follow-new: JSON Lines of records and faults, only those logged after it started", async () => {
  const before = JSON.parse(runCli(["--json", "log"], { env }).stdout) as { records: { seq: number }[] };
  const lastBefore = before.records.at(-1)?.seq ?? -1;
  // --trace says on stderr when the follower has moved past the newest record (lseek SEEK_END): everything logged
  // after that line must reach it, so one injection is enough.
  const p = spawnCli(["--json", "--trace", "log", "--follow-new", "--smmu"], env);
  try {
    expect(await readUntil(p.stderr, SEEKED)).toMatch(SEEKED);
    expect(inject().code).toBe(1);
    const out = await readUntil(p.stdout, /"type":"fault".*\n/);
    const docs = out.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; seq: number; kind?: string; access?: string });
    expect(docs.some((d) => d.type === "record")).toBe(true);
    // A JSON Lines stream like irq's and run's: the version comes with the first record, once.
    expect(docs.map((d) => (d as { schema?: number }).schema)).toEqual(docs.map((_, i) => (i === 0 ? 1 : undefined)));
    expect(docs.find((d) => d.type === "fault")).toMatchObject({ smmu: "9050000.smmuv3", kind: "permission", access: "write", stream_id: 0 });
    for (const d of docs) expect(d.seq).toBeGreaterThan(lastBefore);
  } finally {
    p.kill("SIGTERM");
    expect(await p.exited).toBe(143);
  }
}, 60_000);

/** Root with a writable /dev/kmsg: the test can log a line of its own to the real kernel log. */
function canWriteKmsg(): boolean {
  try {
    accessSync("/dev/kmsg", constants.W_OK);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

describe.skipIf(!canWriteKmsg())(`on the real kernel${canWriteKmsg() ? "" : " (skipped: needs root and a writable /dev/kmsg)"}`, () => {
  test("--follow-new prints a line written to /dev/kmsg after it started, and SIGINT ends it with 130", async () => {
    const realEnv = { ...env };
    delete realEnv.VFIO_PLAT_SIM;
    const probe = `vfio-plat test: follow probe ${process.pid}-${Date.now()}`;
    const p = spawnCli(["--trace", "log", "--follow-new"], realEnv);
    try {
      expect(await readUntil(p.stderr, SEEKED)).toMatch(SEEKED); // the real lseek(2) through libc
      writeFileSync("/dev/kmsg", `${probe}\n`);
      const out = await readUntil(p.stdout, new RegExp(probe));
      expect(out).toMatch(new RegExp(`^\\[ *\\d+\\.\\d{6}\\] ${probe}$`, "m"));
    } finally {
      p.kill("SIGINT");
      expect(await p.exited).toBe(130);
    }
  }, 60_000);
});
