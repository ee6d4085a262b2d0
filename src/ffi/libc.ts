// The one dlopen table of the C library: every system call the real kernel boundary makes, declared once. Loaded lazily
// on first use so that `--help` and `list` never pay for it. The FFI types are chosen for the hot path: fds, sizes and
// offsets are plain numbers (offsets stay below 2^53), buffers are typed arrays passed directly as `ptr`.
import { dlopen, FFIType, read, type Pointer } from "bun:ffi";

// ssize_t results are declared i32: Linux caps one read/write/pread/pwrite at 0x7ffff000 bytes, so the low 32 bits of
// the return register are the whole value (and -1 stays -1). mmap's void* is i64_fast: a user-space address (< 2^52)
// comes back as an exact number and MAP_FAILED as exactly -1, where a `ptr` return would round it to 2^64.
const SYMBOLS = {
  // open is variadic (mode); an int third argument is ABI-compatible on x86-64 and AAPCS64 Linux.
  open: { args: ["ptr", "i32", "u32"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  // ioctl is variadic too; the third argument carries either a struct pointer or a by-value integer.
  ioctl: { args: ["i32", "u64", "ptr"], returns: "i32" },
  // pread/pwrite are the register hot path. Their size_t count and off_t offset are declared "ptr": on x86-64 and
  // AAPCS64 Linux a pointer, a size_t and an off_t travel alike (one 64-bit general register), and bun:ffi converts a
  // number to "ptr" in a few instructions where "u64"/"i64" take its general 64-bit conversion (measured: 2.9 ns per
  // call against 8.5 ns for the same libc call with one u64 argument; docs/performance.md, "Issue 16: accessors").
  // Counts and offsets are non-negative integers below 2^53, so the register holds exactly their value.
  pread: { args: ["i32", "ptr", "ptr", "ptr"], returns: "i32" },
  pwrite: { args: ["i32", "ptr", "ptr", "ptr"], returns: "i32" },
  read: { args: ["i32", "ptr", "u64"], returns: "i32" },
  // off_t is 64-bit on every 64-bit Linux; the offsets used stay far below 2^53.
  lseek: { args: ["i32", "i64", "i32"], returns: FFIType.i64_fast },
  write: { args: ["i32", "ptr", "u64"], returns: "i32" },
  mmap: { args: ["ptr", "u64", "i32", "i32", "i32", "i64"], returns: FFIType.i64_fast },
  munmap: { args: ["ptr", "u64"], returns: "i32" },
  mlock: { args: ["ptr", "u64"], returns: "i32" },
  munlock: { args: ["ptr", "u64"], returns: "i32" },
  madvise: { args: ["ptr", "u64", "i32"], returns: "i32" },
  eventfd: { args: ["u32", "i32"], returns: "i32" },
  poll: { args: ["ptr", "u64", "i32"], returns: "i32" },
  sysconf: { args: ["i32"], returns: FFIType.i64_fast },
  __errno_location: { args: [], returns: "ptr" },
} as const;

/** sysconf(3) name of the page size on Linux (glibc and musl agree). */
export const SC_PAGESIZE = 30;

/** Which C library was found, for `--version`. */
export interface LibcInfo {
  /** The name dlopen accepted, e.g. "libc.so.6". */
  name: string;
  flavor: "glibc" | "musl";
  /** glibc's gnu_get_libc_version(); musl has no such call. */
  version?: string;
}

const MUSL_ARCH = process.arch === "arm64" ? "aarch64" : "x86_64";
const CANDIDATES: readonly { name: string; flavor: LibcInfo["flavor"] }[] = [
  { name: "libc.so.6", flavor: "glibc" },
  { name: `libc.musl-${MUSL_ARCH}.so.1`, flavor: "musl" },
  { name: `ld-musl-${MUSL_ARCH}.so.1`, flavor: "musl" },
  { name: `/lib/ld-musl-${MUSL_ARCH}.so.1`, flavor: "musl" },
  { name: "libc.so", flavor: "musl" },
];

function open(name: string) {
  return dlopen(name, SYMBOLS);
}

type Library = ReturnType<typeof open>;
/** The resolved libc functions. */
export type Libc = Library["symbols"];

let loaded: { lib: Library; info: LibcInfo; errnoAddress: Pointer } | undefined;

function load(): NonNullable<typeof loaded> {
  const failures: string[] = [];
  for (const candidate of CANDIDATES) {
    let lib: Library;
    try {
      lib = open(candidate.name);
    } catch (e) {
      failures.push(`${candidate.name}: ${(e as Error).message}`);
      continue;
    }
    // errno lives in thread-local storage; its address is fixed for this JS thread (a Worker loads its own copy of
    // this module), so it is resolved once here and read with one load after each failing call.
    const errnoAddress = lib.symbols.__errno_location();
    if (errnoAddress === null || typeof errnoAddress === "bigint") throw new Error("__errno_location returned no address");
    loaded = { lib, info: { ...candidate }, errnoAddress };
    return loaded;
  }
  throw new Error(`no C library could be loaded (tried ${failures.join("; ")})`);
}

/** The libc functions; dlopens the library on first call. @throws Error when no C library can be loaded. */
export function libc(): Libc {
  return (loaded ?? load()).lib.symbols;
}

/** The calling thread's errno, as set by the libc call that just failed. Read it before anything else runs. */
export function lastErrno(): number {
  // SAFETY: errnoAddress is __errno_location() of this thread, valid for the thread's lifetime; errno is an int.
  return read.i32((loaded ?? load()).errnoAddress, 0);
}

/** Which C library is in use (loads it). @throws Error when no C library can be loaded. */
export function libcInfo(): LibcInfo {
  const state = loaded ?? load();
  if (state.info.flavor === "glibc" && state.info.version === undefined) {
    try {
      const lib = dlopen(state.info.name, { gnu_get_libc_version: { args: [], returns: "cstring" } });
      state.info.version = String(lib.symbols.gnu_get_libc_version());
      lib.close();
    } catch {
      // A glibc-compatible shim without the call: report no version.
    }
  }
  return { ...state.info };
}
