// Writes to write-1-to-clear registers through the CLI, on the example board's status block (STATUS: W1C, reset 0x3):
// a masked write `STATUS 0x1:0x1` must clear bit 0 only (a plain read-modify-write would write back the 1 it read in
// bit 1 and clear it too), by name and by an offset that hits the register, in `write` and in the `run` verb; and
// `--readback` of a W1C field checks that the bits written as 1 now read 0 instead of failing on them.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

const BOARD = "examples/boards/secure-pl330.json";
const MAP = "examples/register-maps/acme-status.json";
const STATUS = "1c0f0000.status";

let state: ReturnType<typeof tempSimState> | undefined;
afterEach(() => {
  state?.dispose();
  state = undefined;
});

/** A fresh example board with the status block bound (STATUS at its reset value 0x3); returns a CLI runner. */
function fresh() {
  state = tempSimState();
  const env = simEnv(state.dir);
  const cli = (...args: string[]) => runCli(["--sim-board", BOARD, ...args], { env });
  const r = cli("bind", STATUS);
  if (r.code !== 0) throw new Error(`bind: ${r.stderr}`);
  const status = () => {
    const s = cli("read", STATUS, "STATUS", "--regs", MAP);
    expect(s.code).toBe(0);
    return s.stdout.trim();
  };
  expect(status()).toBe("0x00000003");
  return { cli, status };
}

describe("a masked write to a W1C register clears only the masked bits", () => {
  test("write STATUS 0x1:0x1 by name", () => {
    const { cli, status } = fresh();
    const w = cli("--json", "write", STATUS, "STATUS", "0x1:0x1", "--regs", MAP);
    expect(w.stderr).toBe("");
    expect(w.code).toBe(0);
    // Nothing of the register is kept, so nothing was read: the write is the masked bits alone.
    expect(JSON.parse(w.stdout)).toMatchObject({ register: "STATUS", written: "0x00000001", previous: null });
    expect(status()).toBe("0x00000002");
  });

  test("write 0x8 0x2:0x2 by an offset that hits STATUS in the map", () => {
    const { cli, status } = fresh();
    expect(cli("write", STATUS, "0x8", "0x2:0x2", "--regs", MAP).code).toBe(0);
    expect(status()).toBe("0x00000001");
  });

  test("the run verb, by name and by offset, reports what it wrote", () => {
    const { cli } = fresh();
    const r = cli("run", STATUS, "--regs", MAP, "-e", "write STATUS 0x1:0x1; read STATUS; write 0x8 0x2:0x2; read STATUS");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      "STATUS <- 0x00000001",
      "STATUS = 0x00000002",
      "0:0x00000008.l <- 0x00000002",
      "STATUS = 0x00000000",
    ]);
  });
});

describe("--readback of a W1C target", () => {
  test("a W1C field written 1 is checked to read 0 now (exit 0), the other bits untouched", () => {
    const { cli, status } = fresh();
    const r = cli("write", STATUS, "STATUS.READY", "1", "--readback", "--regs", MAP);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("STATUS.READY = 0x1 written, readback 0x00000002 matched\n");
    expect(status()).toBe("0x00000002");
  });
});

describe("--dry-run of a W1C write shows the accesses the write then makes", () => {
  /** The register accesses at offset 0x8 in a --trace, as "r" / "w VALUE". */
  const traced = (stderr: string) =>
    stderr.split("\n").flatMap((l) => {
      const m = /^trace: (pread|pwrite)\([^,]+, (\d+|\[[0-9a-f ]+\]), 0x8\)/.exec(l);
      if (!m) return [];
      if (m[1] === "pread") return ["r"];
      const bytes = m[2]!.slice(1, -1).split(" ").map((b) => parseInt(b, 16));
      return [`w 0x${bytes.reduceRight((v, b) => v * 256 + b, 0).toString(16)}`];
    });
  /** The dry run's lines in the same form. */
  const planned = (stdout: string) =>
    stdout.split("\n").filter(Boolean).map((l) => (l.startsWith("dry-run: read") ? "r" : `w 0x${BigInt(/= (0x[0-9a-f]+)$/.exec(l)![1]!).toString(16)}`));

  for (const args of [["STATUS.READY", "1"], ["STATUS", "0x1:0x1"], ["0x8", "0x2:0x2"]]) {
    test(`write ${args.join(" ")}: one write, no read, in the dry run and in the traced write`, () => {
      const { cli } = fresh();
      const dry = cli("write", STATUS, ...args, "--dry-run", "--regs", MAP);
      expect(dry.code).toBe(0);
      const real = cli("--trace", "write", STATUS, ...args, "--regs", MAP);
      expect(real.code).toBe(0);
      expect(planned(dry.stdout)).toEqual(traced(real.stderr));
      expect(traced(real.stderr)).toHaveLength(1);
    });
  }
});

