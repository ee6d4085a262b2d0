// Policy: a signal between two accesses of a range (a fill, a load, a dump to a file) stops it before the next access:
// exit 130/143, a line saying how far it got, the registers after the stop untouched, and a dump's file never written
// (an older file of that name stays as it was, no temporary file is left). The child is stopped after its k-th access
// by the test hook VFIO_PLAT_TEST_PAUSE_AT=access:k, signalled there, then let go (SIGCONT).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, simEnv, spawnCli, tempSimState, waitStopped } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

const MEM = "1c0f0000.scratch";
const BOARD = ["--sim-board", "test/fixtures/board-files/scratch-memory.json"];
const MAP = ["--regs", "test/fixtures/register-maps/scratch.json"];

let state: ReturnType<typeof tempSimState>;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli([...BOARD, ...args], { env });

beforeAll(() => {
  state = tempSimState("vfio-plat-memrange-sig-");
  env = simEnv(state.dir);
  expect(cli("bind", MEM).code).toBe(0);
});
afterAll(() => state.dispose());

/** Run `args` paused after access `k`, send `sig` there, let it go on; its exit code and stderr. */
async function stopAt(args: string[], k: number, sig: "SIGINT" | "SIGTERM") {
  const child = spawnCli([...BOARD, ...args], { ...env, VFIO_PLAT_TEST_PAUSE_AT: `access:${k}` });
  await waitStopped(child.pid);
  child.kill(sig);
  child.kill("SIGCONT");
  const code = await child.exited;
  return { code, stderr: await new Response(child.stderr).text(), stdout: await new Response(child.stdout).text() };
}

function values(addr: string, n: number): string[] {
  const r = cli("--json", "read", MEM, addr, String(n), ...MAP);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).values;
}

describe("a signal between two writes of a fill stops it before the next", () => {
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    test(`${sig} after the 3rd of 8 writes: exit ${code}, three registers written, five untouched`, async () => {
      expect(cli("write", MEM, "0:0x20", "0", "--fill", "8", ...MAP).code).toBe(0);
      const r = await stopAt(["write", MEM, "0:0x20", "0xaa", "--fill", "8", ...MAP], 3, sig);
      expect(r.code).toBe(code);
      expect(r.stderr).toContain("vfio-plat: stopped after 3 of 8 writes; the last was 0:0x00000028.l");
      expect(values("0:0x20", 8)).toEqual([...Array(3).fill("0x000000aa"), ...Array(5).fill("0x00000000")]);
    });
  }

  test("a load from a file stops the same way", async () => {
    expect(cli("write", MEM, "0:0x40", "0", "--fill", "4", ...MAP).code).toBe(0);
    const file = join(state.dir, "four.bin");
    writeFileSync(file, Uint8Array.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]));
    const r = await stopAt(["write", MEM, "0:0x40", "--from", file, ...MAP], 1, "SIGINT");
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("stopped after 1 of 4 writes");
    expect(values("0:0x40", 4)).toEqual(["0x00000001", "0x00000000", "0x00000000", "0x00000000"]);
  });
});

test("a dump to a file stopped by a signal writes no file: the old one stays, no temporary file is left", async () => {
  const file = join(state.dir, "dump.bin");
  writeFileSync(file, "the previous dump");
  const r = await stopAt(["read", MEM, "0:0x0", "16", "--to", file, ...MAP], 2, "SIGINT");
  expect(r.code).toBe(130);
  expect(r.stderr).toContain("stopped after 2 of 15 reads"); // POP (read-to-clear) is not read
  expect(readFileSync(file, "utf8")).toBe("the previous dump");
  expect(readdirSync(state.dir).filter((n) => n.includes(".tmp"))).toEqual([]);
});
