// The lab's bytecode row runs the CLI from a host-built bundle (bench/lib/cli-bytecode.ts): the bundle must be the
// same CLI as the source, so a `read` from it prints what `bun src/cli/main.ts read` prints, and the guest must get the
// bundle with its .jsc in one directory and without it in the other. No timing here (the row itself is the bench).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCliBytecode, cliBytecodeFiles, type CliBytecode } from "../../bench/lib/cli-bytecode.ts";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const DEVICE = "9010000.pl031";

describe("CLI bytecode bundle", () => {
  let out: string;
  let built: CliBytecode;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "vfio-plat-bytecode-"));
    built = buildCliBytecode(process.execPath, REPO, join(out, "cli-bytecode"));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test("bun build writes main.js with the bytecode pragma and main.js.jsc beside it", () => {
    expect(built.jsc).toBe(`${built.js}.jsc`);
    expect(readFileSync(built.js, "utf8").split("\n").slice(0, 3).join("\n")).toContain("// @bun @bytecode");
    expect(readFileSync(built.jsc).length).toBeGreaterThan(0);
  });

  test("a read from the bundle prints what the source CLI prints (PL031 PCellID0 = 0x0d)", () => {
    const sim = tempSimState();
    try {
      const env = simEnv(sim.dir);
      expect(runCli(["bind", DEVICE], { env }).code).toBe(0);
      const source = runCli(["read", DEVICE, "0xff0"], { env });
      const r = Bun.spawnSync([process.execPath, built.js, "read", DEVICE, "0xff0"], { cwd: REPO, env, stdout: "pipe", stderr: "pipe" });
      expect({ code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() }).toEqual(source);
      expect(source.stdout.trim()).toBe("0x0000000d");
    } finally {
      sim.dispose();
    }
  });

  test("the guest gets main.js with its .jsc in one directory and main.js alone in the other", () => {
    const files = cliBytecodeFiles(built, "opt/p/bc", "opt/p/plain");
    expect(files.map((f) => f.path).sort()).toEqual(["opt/p/bc/main.js", "opt/p/bc/main.js.jsc", "opt/p/plain/main.js"]);
    const js = readFileSync(built.js);
    expect(Buffer.from(files.find((f) => f.path === "opt/p/plain/main.js")!.data).equals(js)).toBe(true);
    expect(Buffer.from(files.find((f) => f.path === "opt/p/bc/main.js.jsc")!.data).equals(readFileSync(built.jsc))).toBe(true);
  });

  test("a tree without the CLI entry is refused with bun build's output", () => {
    const empty = mkdtempSync(join(tmpdir(), "vfio-plat-bytecode-empty-"));
    try {
      expect(() => buildCliBytecode(process.execPath, empty, join(empty, "out"))).toThrow(/ build .*src\/cli\/main\.ts .* failed \(exit/);
      expect(existsSync(join(empty, "out", "main.js.jsc"))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
