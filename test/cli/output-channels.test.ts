// Output channels, with real child processes and real shell redirections: a closed stdout (`>&-`) and a full disk
// (`>/dev/full`) are errors (exit 1, one line naming the errno); a reader that stops early (`| head -1`) is not (exit 0);
// a stderr that cannot be written never changes the command's own exit code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { MAIN, REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const state = tempSimState();
const env = simEnv(state.dir);
const PL031 = "9010000.pl031";
const PL011 = "9000000.pl011";

beforeAll(() => {
  for (const args of [["bind", PL031], ["bind", PL011, "--force"]]) {
    const r = runCli(args, { env });
    if (r.code !== 0) throw new Error(r.stderr);
  }
});

describe("notices follow --json", () => {
  test("a dump that skips a read-to-clear register says so on stderr: a line of words, or one JSON line with --json", () => {
    const text = runCli(["read", PL011, "0x0", "2"], { env });
    expect(text.code).toBe(0);
    expect(text.stderr).toBe("vfio-plat: not read (read-to-clear): UARTDR at 0x0 — --read-clear reads them too\n");
    const json = runCli(["--json", "read", PL011, "0x0", "2"], { env });
    expect(json.code).toBe(0);
    const lines = json.stderr.split("\n").filter(Boolean);
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ notice: { code: "READ_CLEAR_SKIPPED", registers: [{ name: "UARTDR", region: 0, offset: "0x0", reason: "read-clear" }] } }]);
    expect(JSON.parse(json.stdout).skipped).toEqual([{ name: "UARTDR", region: 0, offset: "0x0", reason: "read-clear" }]);
  });
});
afterAll(() => state.dispose());

/** Run `vfio-plat ARGS REDIRECTIONS` under bash; stdout of bash is what the pipeline printed. */
function sh(args: string, redirect: string) {
  const cmd = `"${process.execPath}" "${MAIN}" ${args} ${redirect}`;
  const r = Bun.spawnSync(["bash", "-c", cmd], { cwd: REPO, env, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe.skipIf(!existsSync("/bin/bash") && !existsSync("/usr/bin/bash"))("stdout and stderr as the shell leaves them", () => {
  test("stdout closed (>&-): exit 1, EBADF, and the fix", () => {
    const r = sh(`read ${PL031} 0:0xfe0.b`, ">&-");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "vfio-plat: cannot write standard output: Bad file descriptor (EBADF) — standard output is closed (>&-); send it to /dev/null to discard it\n",
    );
  });

  test("stdout closed for help and for --json output too", () => {
    expect(sh("--help", ">&-").code).toBe(1);
    const j = sh("list --json", ">&-");
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stderr).error.code).toBe("EBADF");
  });

  test("stdout sent to /dev/null is fine (exit 0): only a closed one is an error", () => {
    expect(sh(`read ${PL031} 0:0xfe0.b`, ">/dev/null").code).toBe(0);
  });

  test("a command that prints nothing does not care that stdout is closed", () => {
    expect(sh(`write ${PL031} 0:0x4 0x11`, ">&-").code).toBe(0);
  });

  test("disk full (>/dev/full): exit 1, ENOSPC", () => {
    const r = sh(`read ${PL031} 0:0xfe0 8`, ">/dev/full");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot write standard output: No space left on device (ENOSPC)");
  });

  test("| head -1 stays exit 0 with the first line", () => {
    const r = sh(`read ${PL031} 0:0 1024`, '| head -1; echo "status=${PIPESTATUS[0]}"');
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBe(2);
    expect(lines[1]).toBe("status=0");
    expect(r.stderr).toBe("");
  });

  test("stderr that cannot be written keeps the command's own exit code", () => {
    expect(sh("read nosuch.dev 0:0", "2>/dev/full").code).toBe(3);
    expect(sh("read nosuch.dev 0:0", "2>&-").code).toBe(3);
    expect(sh("--json read nosuch.dev 0:0", "2>/dev/full").code).toBe(3);
    expect(sh(`read ${PL031} 0:0 0`, "2>/dev/full").code).toBe(2);
  });
});
