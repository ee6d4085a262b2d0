// Policy: writes are synchronous and complete (short writes and EAGAIN retried); a reader closing stdout (EPIPE) ends
// the program quietly with status 0 after cleanup has run; EPIPE on stderr is ignored.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { OutputClosedError, OutputWriteError, closedAtStart, writeAll, type WriteSyncFn } from "../../src/cli/output/stdio.ts";
import { describeError } from "../../src/cli/output/errors.ts";
import { mkdirSync, symlinkSync } from "node:fs";

function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe("writeAll", () => {
  test("retries short writes until everything is written, in order", () => {
    const got: number[] = [];
    const fake: WriteSyncFn = (_fd, buf) => {
      const n = Math.min(3, buf.length);
      got.push(...buf.subarray(0, n));
      return n;
    };
    writeAll(1, "hello, world\n", fake);
    expect(new TextDecoder().decode(new Uint8Array(got))).toBe("hello, world\n");
  });
  test("retries EAGAIN", () => {
    let calls = 0;
    const fake: WriteSyncFn = (_fd, buf) => {
      if (++calls === 1) throw errno("EAGAIN");
      return buf.length;
    };
    writeAll(1, "x", fake);
    expect(calls).toBe(2);
  });
  test("EPIPE on stdout throws OutputClosedError", () => {
    expect(() => writeAll(1, "x", () => { throw errno("EPIPE"); })).toThrow(OutputClosedError);
  });
  test("EPIPE on stderr is ignored", () => {
    expect(() => writeAll(2, "x", () => { throw errno("EPIPE"); })).not.toThrow();
  });
  test("other errors on stdout become OutputWriteError: exit 1, the errno, standard output named", () => {
    for (const code of ["EIO", "ENOSPC", "EBADF"]) {
      let caught: unknown;
      try {
        writeAll(1, "x", () => { throw errno(code); });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(OutputWriteError);
      const r = describeError(caught);
      expect(r.exit).toBe(1);
      expect(r.code).toBe(code);
      expect(r.message).toStartWith("cannot write standard output: ");
    }
  });
  test("every error on stderr is ignored (the command keeps its own exit code)", () => {
    for (const code of ["EIO", "ENOSPC", "EBADF", "EPIPE"]) {
      expect(() => writeAll(2, "x", () => { throw errno(code); })).not.toThrow();
    }
  });
  test("other fds: errors propagate unchanged", () => {
    expect(() => writeAll(5, "x", () => { throw errno("EIO"); })).toThrow("EIO");
  });
});

test("a real closed pipe: `| head -1` ends quietly with status 0 after cleanup", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vfio-plat-epipe-"));
  const root = resolve(import.meta.dir, "../..");
  const marker = join(dir, "cleanup");
  const script = join(dir, "child.ts");
  writeFileSync(
    script,
    [
      `import { writeFileSync } from "node:fs";`,
      `import { writeStdout, writeStderr } from "${root}/src/cli/output/stdio.ts";`,
      `import { describeError, renderError } from "${root}/src/cli/output/errors.ts";`,
      `let code = 0;`,
      `try {`,
      `  try { for (let i = 0; ; i++) writeStdout(\`{"type":"irq","n":\${i}}\\n\`); }`,
      `  finally { writeFileSync(${JSON.stringify(marker)}, "ran"); }`,
      `} catch (e) { const r = describeError(e); writeStderr(renderError(r)); code = r.exit; }`,
      `process.exit(code);`,
    ].join("\n"),
  );
  const bun = process.execPath;
  const proc = Bun.spawn(["bash", "-c", `"${bun}" "${script}" 2>"${dir}/err" | head -1; echo "\${PIPESTATUS[0]}"`], {
    stdout: "pipe",
  });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const [first, status] = out.trim().split("\n");
  expect(first).toBe('{"type":"irq","n":0}');
  expect(status).toBe("0");
  expect(readFileSync(join(dir, "err"), "utf8")).toBe("");
  expect(readFileSync(marker, "utf8")).toBe("ran");
});

describe("closedAtStart tells `>&-` (Bun reopens /dev/null with O_CLOEXEC) from `>/dev/null`", () => {
  function fakeProc(target: string, flags: string): string {
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-proc-"));
    mkdirSync(join(dir, "fd"));
    mkdirSync(join(dir, "fdinfo"));
    symlinkSync(target, join(dir, "fd", "1"));
    writeFileSync(join(dir, "fdinfo", "1"), `pos:\t0\nflags:\t${flags}\nmnt_id:\t25\n`);
    return dir;
  }
  test("closed: /dev/null opened O_RDWR|O_CLOEXEC", () => {
    expect(closedAtStart(1, fakeProc("/dev/null", "02100002"))).toBe(true);
  });
  test("redirected by the shell: /dev/null without O_CLOEXEC", () => {
    expect(closedAtStart(1, fakeProc("/dev/null", "0100001"))).toBe(false);
  });
  test("a file with O_CLOEXEC is not 'closed'", () => {
    expect(closedAtStart(1, fakeProc("/tmp/out", "02100001"))).toBe(false);
  });
  test("no /proc: not closed", () => {
    expect(closedAtStart(1, "/nonexistent-proc")).toBe(false);
  });
});
