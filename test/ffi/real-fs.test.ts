// Policy: the real BoundaryFs reports every failure as SyscallError (positive errno, the operation's name, the path),
// never as Bun's raw fs error with a negative errno, and writeFile overwrites an existing file without creating one.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { normaliseFsError } from "../../src/ffi/real-fs.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { expectSyscallError, k, scratchDir } from "../helpers/ffi.ts";

const dir = scratchDir();
const fs = k.fs;

describe("errors are normalised", () => {
  test("readFile of a missing path is ENOENT with a positive errno", () => {
    const path = join(dir, "missing");
    const err = expectSyscallError(() => fs.readFile(path), "ENOENT");
    expect(err.errno).toBeGreaterThan(0);
    expect(err.syscall).toBe("readFile");
    expect(err.path).toBe(path);
  });

  test("writing a read-only procfs file fails as the kernel says (EACCES unprivileged, EINVAL with DAC override)", () => {
    const path = "/proc/self/status";
    let err: unknown;
    try {
      fs.writeFile(path, "x");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    const e = err as SyscallError;
    expect(["EACCES", "EINVAL"]).toContain(e.code);
    expect(e.errno).toBeGreaterThan(0);
    expect(e.syscall).toBe("writeFile");
    expect(e.path).toBe(path);
  });

  test("readlink of a regular file is EINVAL, readdir of a file ENOTDIR, stat/chown of a missing path ENOENT", () => {
    const path = join(dir, "plain");
    writeFileSync(path, "x");
    expect(expectSyscallError(() => fs.readlink(path), "EINVAL").syscall).toBe("readlink");
    expect(expectSyscallError(() => fs.readdir(path), "ENOTDIR").syscall).toBe("readdir");
    expect(expectSyscallError(() => fs.stat(join(dir, "nope")), "ENOENT").syscall).toBe("stat");
    expect(expectSyscallError(() => fs.chown(join(dir, "nope"), 0, 0), "ENOENT").syscall).toBe("chown");
  });

  test("writeFile never creates a file", () => {
    const path = join(dir, "not-there");
    expectSyscallError(() => fs.writeFile(path, "x"), "ENOENT");
    expect(fs.exists(path)).toBe(false);
  });

  test("non-errno errors pass through unchanged", () => {
    const plain = new TypeError("bad argument");
    expect(normaliseFsError(plain, "readFile", "/x")).toBe(plain);
  });
});

describe("operations", () => {
  test("writeFile replaces the start of an existing file; readFile reads it back", () => {
    const path = join(dir, "attr");
    writeFileSync(path, "");
    fs.writeFile(path, "vfio-platform\n");
    expect(readFileSync(path, "utf8")).toBe("vfio-platform\n");
    expect(fs.readFile(path)).toBe("vfio-platform\n");
  });

  test("readFile reads procfs files whose size is reported as 0", () => {
    expect(fs.readFile("/proc/self/status")).toMatch(/^Name:/);
  });

  test("readdir, readlink, exists and lstat-style stat", () => {
    const sub = join(dir, "tree");
    mkdirSync(sub);
    writeFileSync(join(sub, "a"), "");
    symlinkSync("a", join(sub, "link"));
    expect(fs.readdir(sub).sort()).toEqual(["a", "link"]);
    expect(fs.readlink(join(sub, "link"))).toBe("a");
    expect(fs.exists(join(sub, "link"))).toBe(true);
    expect(fs.exists(join(sub, "b"))).toBe(false);
    const link = fs.stat(join(sub, "link"));
    expect(link.isSymlink).toBe(true);
    expect(link.isDirectory).toBe(false);
    const d = fs.stat(sub);
    expect(d.isDirectory).toBe(true);
    expect(d.mode & 0o170000).toBe(0o040000);
    expect(d.uid).toBe(process.getuid!());
  });

  test("chown to the current owner succeeds", () => {
    const path = join(dir, "owned");
    writeFileSync(path, "");
    const before = fs.stat(path);
    fs.chown(path, before.uid, before.gid);
    expect(fs.stat(path).uid).toBe(before.uid);
  });
});

describe("readBytes", () => {
  test("gives a binary property's bytes exactly (a UTF-8 decode would damage 0xf0), and a symlinked dir's '..' is the target's parent", () => {
    const node = join(dir, "dt", "soc", "dma@7ff00000");
    mkdirSync(node, { recursive: true });
    const reg = new Uint8Array([0, 0, 0, 0, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0]);
    writeFileSync(join(node, "reg"), reg);
    writeFileSync(join(dir, "dt", "soc", "#size-cells"), new Uint8Array([0, 0, 0, 2]));
    mkdirSync(join(dir, "devdir"), { recursive: true });
    symlinkSync(node, join(dir, "devdir", "of_node"));
    expect([...fs.readBytes(join(dir, "devdir", "of_node", "reg"))]).toEqual([...reg]);
    // Built by hand: path.join would drop `of_node/..` before the kernel could follow the link.
    expect([...fs.readBytes(`${join(dir, "devdir", "of_node")}/../#size-cells`)]).toEqual([0, 0, 0, 2]);
  });

  test("a missing file is ENOENT named after readBytes", () => {
    const err = expectSyscallError(() => fs.readBytes(join(dir, "missing-bytes")), "ENOENT");
    expect(err.syscall).toBe("readBytes");
  });
});
