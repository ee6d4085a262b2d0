// dma-test on a terminal: the progress line and the per-iteration lines share the screen, so the progress line is
// erased before each iteration line is written and drawn again after it. Checked with a fake sink (Progress.hide) and
// on a real pseudo-terminal (script(1)), whose output is replayed through a minimal terminal model.
import { afterAll, describe, expect, test } from "bun:test";
import { startProgress, type ProgressSink } from "../../src/cli/output/progress.ts";
import { MAIN, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

/** The lines a terminal would show for `text`: \r returns to column 0, ESC[K erases to the end, \n starts a line. */
function screenLines(text: string): string[] {
  const lines: string[] = [];
  let line = "";
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\r") col = 0;
    else if (c === "\n") {
      lines.push(line);
      line = "";
      col = 0;
    } else if (text.startsWith("\x1b[K", i)) {
      line = line.slice(0, col);
      i += 2;
    } else {
      line = line.slice(0, col) + c + line.slice(col + 1);
      col++;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

describe("Progress.hide", () => {
  test("erases a drawn line, draws it again at the next update (whatever the interval), and is a no-op otherwise", () => {
    let now = 0;
    const s = { isTTY: true, text: "", write: (t: string) => void (s.text += t) } satisfies ProgressSink & { text: string };
    const p = startProgress({ label: "dma-test", total: 4, unit: "copies", enabled: true, sink: s, delayMs: 0, intervalMs: 1000, now: () => now });
    p.hide();
    expect(s.text).toBe(""); // nothing drawn yet: nothing to erase
    p.update(1);
    expect(s.text).toBe("\rdma-test: 1/4 copies (25%)\x1b[K");
    p.hide();
    expect(s.text.endsWith("\r\x1b[K")).toBe(true);
    s.text += "iteration 1/4: ok\n";
    now = 1; // well within the interval: a hidden line is drawn again anyway
    p.update(2);
    expect(screenLines(s.text)).toEqual(["iteration 1/4: ok", "dma-test: 2/4 copies (50%)"]);
    p.end();
    p.hide();
    expect(screenLines(s.text)).toEqual(["iteration 1/4: ok"]);
  });
});

const script = Bun.which("script");
describe.skipIf(!script)("dma-test --iterations on a pseudo-terminal (skipped: util-linux `script` not installed)", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  afterAll(() => state.dispose());

  test("every iteration line starts at column 0; no progress text is left on any line", () => {
    expect(runCli(["bind", "2c0a0000.dma"], { env }).code).toBe(0);
    const cmd = [process.execPath, MAIN, "dma-test", "2c0a0000.dma", "--size", "256k", "--iterations", "12"].map((a) => `'${a}'`).join(" ");
    const r = Bun.spawnSync([script!, "-qefc", cmd, "/dev/null"], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    expect(r.exitCode).toBe(0);
    const raw = r.stdout.toString();
    expect(raw).toMatch(/dma-test: \d+\/12 copies \(\d+%\)/); // the progress line was drawn
    const lines = screenLines(raw);
    const iterations = lines.filter((l) => l.includes("iteration "));
    expect(iterations.length).toBe(12);
    for (const l of iterations) expect(l).toMatch(/^iteration \d+\/12: 262144 bytes in [0-9.]+ ms \([0-9.]+ MiB\/s\), verified$/);
    expect(lines.filter((l) => l.includes("copies ("))).toEqual([]);
    expect(lines.at(-1)).toMatch(/^dma-test: 12 x 256 KiB copied and verified/);
  });
});
