// `pl330 exec`, the review's findings as a user meets them: PROGRAM is assembly or microcode by what it holds (not by
// its name; stdin too; --asm/--binary force it); a DMASEV of an event the DMAC lacks runs and faults as the DMAC
// decides (operand_invalid, exit 1) instead of being refused half-way; register values in --json are padded as
// `read --json` pads them; on virt-noiommu (physical addresses) a timeout, a fault and a signal leave the channel
// Stopped before the pinned buffers go, with no DMA_IN_FLIGHT or DMA_KEPT warning, and the next run works.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readUntil, REPO, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const DMA = "2c0a0000.dma";
const COPY = join(REPO, "examples/pl330/copy.s");

interface ExecDoc {
  status: string;
  registers: Record<string, string>;
  fault: { bits: string[] } | null;
  events: number[];
  after_kill: string | null;
  buffers: { name: string; address: string; sha256: string }[];
}

function boardWith(extra: Record<string, string> = {}) {
  const state = tempSimState("vfio-plat-pl330-exec-safety-");
  const env = simEnv(state.dir, extra);
  const cli = (args: string[], stdin?: string) => runCli(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
  const bound = cli(["bind", DMA]);
  if (bound.code !== 0) throw new Error(`bind ${DMA} failed: ${bound.stderr}`);
  return { state, env, cli };
}

describe("pl330 exec: what PROGRAM is, and what the DMAC decides", () => {
  let board: ReturnType<typeof boardWith>;
  beforeAll(() => {
    board = boardWith();
  });
  afterAll(() => board.state.dispose());

  test("assembly text in a file without .s runs as assembly (it names a buffer: DAR ends at it)", () => {
    const prog = join(board.state.dir, "prog");
    writeFileSync(prog, "DMAMOV DAR, dst\nDMASEV 1\nDMAEND\n");
    const r = board.cli(["--json", "pl330", "exec", DMA, prog, "--buffer", "dst=64"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ExecDoc;
    expect(doc.status).toBe("stopped");
    expect(doc.events).toEqual([1]);
    expect(doc.registers.DAR0).toBe(`0x${Number(doc.buffers[0]!.address).toString(16).padStart(8, "0")}`);
  });

  test("microcode bytes (pl330 asm --output) piped to `exec -` run as is: the DMASEV 2 they hold is the event", () => {
    const bin = join(board.state.dir, "sev.bin");
    expect(board.cli(["pl330", "asm", "-", "--output", bin], "DMASEV 2\nDMAEND\n").code).toBe(0);
    const bytes = readFileSync(bin);
    expect(bytes.every((x) => x < 0x80)).toBe(true); // so the test's text stdin carries them unchanged
    const r = board.cli(["--json", "pl330", "exec", DMA, "-"], String.fromCharCode(...bytes));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as ExecDoc).events).toEqual([2]);
  });

  test("--binary runs text as bytes (here: undefined instructions, exit 1); --asm refuses bytes that are not text", () => {
    const prog = join(board.state.dir, "text.s");
    writeFileSync(prog, "DMAEND\n");
    const r = board.cli(["--json", "pl330", "exec", DMA, prog, "--binary"]);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as ExecDoc).fault?.bits).toEqual(["undef_instr"]); // 'D' (0x44) is no instruction
    const bin = join(board.state.dir, "end.bin");
    writeFileSync(bin, new Uint8Array([0x00]));
    const a = board.cli(["pl330", "exec", DMA, bin, "--asm"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`${bin} is not assembly text: byte 0x00 at offset 0`);
  });

  test("--json register values are padded to the width as `read --json` gives them (same string)", () => {
    const r = board.cli(["--json", "pl330", "exec", DMA, COPY, "--buffer", "src=4k:random", "--buffer", "dst=4k", "--channel", "3"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ExecDoc;
    for (const name of ["CSR3", "DAR3", "FTR3"]) {
      const read = JSON.parse(board.cli(["--json", "read", DMA, name]).stdout) as { values: string[] };
      expect({ name, exec: doc.registers[name] }).toEqual({ name, exec: read.values[0]! });
    }
    expect(doc.registers.FTR3).toBe("0x00000000");
  });
});

describe("pl330 exec on a PL330 with 8 events (examples/boards/secure-pl330.json)", () => {
  let board: ReturnType<typeof boardWith>;
  beforeAll(() => {
    board = boardWith({ VFIO_PLAT_SIM_BOARD: join(REPO, "examples/boards/secure-pl330.json") });
  });
  afterAll(() => board?.state.dispose());

  test("DMASEV 20 runs and faults as the DMAC decides: operand_invalid (FTR bit 1), exit 1", () => {
    const r = board.cli(["--json", "pl330", "exec", DMA, "-"], "DMASEV 20\nDMAEND\n");
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as ExecDoc;
    expect(doc.status).toBe("fault");
    expect(doc.fault?.bits).toEqual(["operand_invalid"]);
    expect(doc.after_kill).toBe("Stopped");
    expect(r.stderr).toContain("an operand this DMAC's configuration does not allow");
  });
});

describe.skipIf(process.getuid?.() !== 0)(
  `pl330 exec on virt-noiommu: the channel stops before the pinned buffers go${process.getuid?.() === 0 ? "" : " (skipped: a noiommu group needs root)"}`,
  () => {
    let board: ReturnType<typeof boardWith>;
    beforeAll(() => {
      board = boardWith({ VFIO_PLAT_SIM_BOARD: "virt-noiommu" });
    });
    afterAll(() => board?.state.dispose());

    /** No warning that DMA may still be in flight or that buffers were kept; then a copy on the channel works. */
    const quietAndReusable = (stderr: string, channel: number) => {
      expect(stderr).not.toContain("DMA_IN_FLIGHT");
      expect(stderr).not.toContain("DMA_KEPT");
      expect(stderr).not.toContain("warning");
      const again = board.cli(["--json", "pl330", "exec", DMA, COPY, "--buffer", "src=4k:random", "--buffer", "dst=4k", "--channel", String(channel)]);
      expect(again.code).toBe(0);
      const doc = JSON.parse(again.stdout) as ExecDoc;
      expect(doc.buffers[1]!.sha256).toBe(doc.buffers[0]!.sha256);
    };

    test("timeout: DMAKILL, the channel reads Stopped before the buffers go (exit 7)", () => {
      const r = board.cli(["--json", "--trace", "pl330", "exec", DMA, "-", "--buffer", "b=4k", "--timeout", "200ms", "--channel", "1"], "DMAWFE 3\nDMAEND\n");
      expect(r.code).toBe(7);
      expect((JSON.parse(r.stdout) as ExecDoc).after_kill).toBe("Stopped");
      // The last read of CSR1 (0x108) before the device closes says Stopped (state 0).
      const reads = [...r.stderr.matchAll(/pread\([^)]*, 4, 0x108\) = 4 \[([0-9a-f]{2})/g)].map((m) => parseInt(m[1]!, 16) & 0xf);
      const closed = r.stderr.indexOf("trace: close(/dev/vfio/noiommu-");
      expect(closed).toBeGreaterThan(r.stderr.lastIndexOf("0x108) = 4"));
      expect(reads.at(-1)).toBe(0);
      quietAndReusable(r.stderr.split("\n").filter((l) => !l.startsWith("trace:")).join("\n"), 1);
    });

    test("fault: killed to Stopped, exit 1, no warning", () => {
      const r = board.cli(["--json", "pl330", "exec", DMA, "-", "--buffer", "b=4k", "--channel", "2"], "DMANOP\n.byte 0xff\nDMAEND\n");
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as ExecDoc;
      expect(doc.fault?.bits).toEqual(["undef_instr"]);
      expect(doc.after_kill).toBe("Stopped");
      quietAndReusable(r.stderr, 2);
    });

    test("SIGINT: killed to Stopped before the buffers go, exit 130, no warning", async () => {
      const p = spawnCli(["pl330", "exec", DMA, join(REPO, "test/fixtures/pl330/wait-forever.s"), "--timeout", "60s", "--buffer", "b=4k", "--channel", "4"], board.env);
      const head = await readUntil(p.stderr, /pl330 exec: running/);
      expect(head).toContain("running");
      p.kill("SIGINT");
      expect(await p.exited).toBe(130);
      expect(await new Response(p.stdout).text()).toContain("pl330 exec: interrupted by SIGINT; channel 4 killed (now Stopped); buffers unmapped on exit");
      quietAndReusable(head + (await readUntil(p.stderr, /(?!)/)), 4); // the rest, to the end of the stream
    });
  },
);
