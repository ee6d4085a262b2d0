// BoundaryFs on the real machine: node:fs synchronous calls on sysfs, procfs and /dev. Every errno-carrying error is
// rethrown as SyscallError with a positive errno (Bun's fs errors carry a negative one), named after the BoundaryFs
// operation, so callers see the same error shape as from the simulated backend.
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  writeSync,
} from "node:fs";
import { type BoundaryFs, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_WRONLY } from "../boundary/kernel-boundary.ts";
import { ERRNO } from "../boundary/errno.ts";
import { SyscallError } from "../boundary/syscall-error.ts";

/** `e` as a SyscallError of `operation` on `path` when it carries an errno; anything else unchanged. */
export function normaliseFsError(e: unknown, operation: string, path: string): unknown {
  if (e instanceof SyscallError || typeof e !== "object" || e === null) return e;
  const { code, errno } = e as { code?: unknown; errno?: unknown };
  if (typeof code !== "string" || typeof errno !== "number") return e;
  return new SyscallError({ syscall: operation, errno: ERRNO[code] ?? Math.abs(errno), path });
}

function attempt<T>(operation: string, path: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw normaliseFsError(e, operation, path);
  }
}

/**
 * The real BoundaryFs. Every method throws SyscallError (syscall = the method name, positive errno, path).
 * writeFile opens an existing file O_WRONLY (it never creates one: a missing sysfs attribute is ENOENT) and issues a
 * single write(2) of the whole string, as sysfs attributes require; the kernel's answer to that write is the result.
 */
export function createRealFs(): BoundaryFs {
  return {
    readFile: (path) => attempt("readFile", path, () => readFileSync(path, "utf8")),
    readBytes: (path) => attempt("readBytes", path, () => new Uint8Array(readFileSync(path))),
    writeFile: (path, data) =>
      attempt("writeFile", path, () => {
        const fd = openSync(path, O_WRONLY | O_CLOEXEC);
        try {
          writeSync(fd, Buffer.from(data, "utf8"));
        } finally {
          closeSync(fd);
        }
      }),
    readlink: (path) => attempt("readlink", path, () => readlinkSync(path, "utf8")),
    readdir: (path) => attempt("readdir", path, () => readdirSync(path, "utf8")),
    exists: (path) => existsSync(path),
    stat: (path) =>
      attempt("stat", path, () => {
        const st = lstatSync(path);
        return {
          mode: st.mode,
          uid: st.uid,
          gid: st.gid,
          isDirectory: st.isDirectory(),
          isSymlink: st.isSymbolicLink(),
        };
      }),
    chown: (path, uid, gid) => attempt("chown", path, () => chownSync(path, uid, gid)),
    chmod: (path, mode) => attempt("chmod", path, () => chmodSync(path, mode)),
    readRecords: (path) =>
      attempt("readRecords", path, () => {
        // /dev/kmsg hands out one record per read(2) and would block at the end: read non-blocking until EAGAIN.
        const fd = openSync(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        const buf = Buffer.alloc(16384);
        const records: string[] = [];
        try {
          for (;;) {
            let n: number;
            try {
              n = readSync(fd, buf, 0, buf.length, null);
            } catch (e) {
              const code = (e as { code?: string }).code;
              if (code === "EAGAIN") break;
              if (code === "EPIPE") continue; // records were overwritten while we read: go on with the next
              throw e;
            }
            if (n === 0) break;
            records.push(buf.toString("utf8", 0, n).replace(/\n$/, ""));
          }
        } finally {
          closeSync(fd);
        }
        return records;
      }),
  };
}
