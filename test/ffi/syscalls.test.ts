// Policy: open/close/lseek/pread/pwrite/ioctl on the real boundary reach the kernel unchanged (large offsets, byteOffset of
// views, by-value integer ioctl arguments) and every failure is a SyscallError with errno, fd/path and ioctl name.
import { describe, expect, test } from "bun:test";
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET } from "../../src/boundary/kernel-boundary.ts";
import { ioctlRequestName } from "../../src/ffi/errno.ts";
import { CONTAINER_IOCTLS, DEVICE_IOCTLS, GROUP_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { expectSyscallError, k, scratchDir } from "../helpers/ffi.ts";

const dir = scratchDir();
let n = 0;
function file(content = ""): string {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, content);
  return path;
}

describe("open/close", () => {
  test("open of a missing path is ENOENT carrying the path", () => {
    const path = join(dir, "missing");
    const err = expectSyscallError(() => k.open(path, O_RDONLY), "ENOENT");
    expect(err.syscall).toBe("open");
    expect(err.path).toBe(path);
  });

  test("open of a directory for writing is EISDIR", () => {
    expectSyscallError(() => k.open(dir, O_WRONLY), "EISDIR");
  });

  test("open always sets close-on-exec", () => {
    const fd = k.open(file(), O_RDONLY);
    const flags = /^flags:\s+([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "latin1"))![1]!;
    expect(parseInt(flags, 8) & O_CLOEXEC).toBe(O_CLOEXEC);
    k.close(fd);
  });

  test("closing twice is EBADF with the fd", () => {
    const fd = k.open(file(), O_RDONLY);
    k.close(fd);
    const err = expectSyscallError(() => k.close(fd), "EBADF");
    expect(err.fd).toBe(fd);
  });
});

/** /dev/kmsg may be read here (root, CAP_SYSLOG or dmesg_restrict=0). */
const kmsgReadable = (() => {
  try {
    closeSync(openSync("/dev/kmsg", "r"));
    return true;
  } catch {
    return false;
  }
})();

describe("lseek", () => {
  test("moves the position read(2) goes on from and returns it, offsets past 2^32 exact", () => {
    const fd = k.open(file("abcdef"), O_RDONLY);
    const buf = new Uint8Array(2);
    expect(k.lseek(fd, 0, SEEK_END)).toBe(6);
    expect(k.read(fd, buf)).toBe(0);
    expect(k.lseek(fd, 2, SEEK_SET)).toBe(2);
    expect(k.read(fd, buf)).toBe(2);
    expect(new TextDecoder().decode(buf)).toBe("cd");
    expect(k.lseek(fd, 2 ** 33, SEEK_CUR)).toBe(2 ** 33 + 4);
    expect(expectSyscallError(() => k.lseek(fd, -1, SEEK_SET), "EINVAL").syscall).toBe("lseek");
    k.close(fd);
  });

  test.skipIf(!kmsgReadable)(`/dev/kmsg: SEEK_END is taken with offset 0 only (returns 0), as dmesg -W uses it${kmsgReadable ? "" : " (skipped: /dev/kmsg not readable here)"}`, () => {
    const fd = k.open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    expect(k.lseek(fd, 0, SEEK_END)).toBe(0);
    expectSyscallError(() => k.lseek(fd, 1, SEEK_END), "ESPIPE");
    k.close(fd);
  });
});

describe("pread/pwrite", () => {
  test("offsets beyond 2^40 reach the kernel exactly (sparse file)", () => {
    const path = file();
    const fd = k.open(path, O_RDWR);
    const at = 2 ** 40 + 4;
    expect(k.pwrite(fd, new Uint8Array([1, 2, 3, 4]), at)).toBe(4);
    expect(statSync(path).size).toBe(at + 4);
    // Checked independently of the boundary: node's positional read of the same bytes.
    const other = openSync(path, "r");
    const seen = Buffer.alloc(4);
    readSync(other, seen, 0, 4, at);
    closeSync(other);
    expect([...seen]).toEqual([1, 2, 3, 4]);
    const buf = new Uint8Array(8).fill(0xff);
    expect(k.pread(fd, buf, 2 ** 40)).toBe(8);
    expect([...buf]).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
    k.close(fd);
  });

  test("reads past the end are short, then empty", () => {
    const fd = k.open(file("abcdef"), O_RDONLY);
    const buf = new Uint8Array(16);
    expect(k.pread(fd, buf, 2)).toBe(4);
    expect(new TextDecoder().decode(buf.subarray(0, 4))).toBe("cdef");
    expect(k.pread(fd, buf, 100)).toBe(0);
    k.close(fd);
  });

  test("a subarray is read into and written from at its own byteOffset", () => {
    const path = file("0123456789");
    const fd = k.open(path, O_RDWR);
    const buf = new Uint8Array(8);
    expect(k.pread(fd, buf.subarray(3, 6), 0)).toBe(3);
    expect([...buf]).toEqual([0, 0, 0, 0x30, 0x31, 0x32, 0, 0]);
    const src = new TextEncoder().encode("..XY..");
    expect(k.pwrite(fd, src.subarray(2, 4), 8)).toBe(2);
    expect(readFileSync(path, "latin1")).toBe("01234567XY");
    k.close(fd);
  });

  test("a negative, fractional or non-finite offset is EINVAL (no off_t is one), for pread and pwrite", () => {
    const path = file("abcdefgh");
    const fd = k.open(path, O_RDWR);
    for (const at of [-1, -4, -(2 ** 40), 1.5, Number.NaN, Infinity, -Infinity, 2 ** 53 + 2]) {
      const r = expectSyscallError(() => k.pread(fd, new Uint8Array(2), at), "EINVAL");
      expect([r.syscall, r.fd, r.path]).toEqual(["pread", fd, path]);
      const w = expectSyscallError(() => k.pwrite(fd, new Uint8Array([0x41]), at), "EINVAL");
      expect([w.syscall, w.fd, w.path]).toEqual(["pwrite", fd, path]);
    }
    expect(readFileSync(path, "latin1")).toBe("abcdefgh");
    k.close(fd);
  });

  test("offsets just below and above 2^32 are not truncated to 32 bits", () => {
    const path = file();
    const fd = k.open(path, O_RDWR);
    expect(k.pwrite(fd, new Uint8Array([9]), 4)).toBe(1);
    for (const at of [2 ** 32 - 4, 2 ** 32 + 4]) expect(k.pwrite(fd, new Uint8Array([7, 8]), at)).toBe(2);
    const buf = new Uint8Array(2);
    expect(k.pread(fd, buf, 2 ** 32 + 4)).toBe(2);
    expect([...buf]).toEqual([7, 8]);
    expect(k.pread(fd, buf.subarray(0, 1), 4)).toBe(1);
    expect(buf[0]).toBe(9);
    k.close(fd);
  });

  test("pread on a write-only fd is EBADF carrying fd and path", () => {
    const path = file("x");
    const fd = k.open(path, O_WRONLY);
    const err = expectSyscallError(() => k.pread(fd, new Uint8Array(1), 0), "EBADF");
    expect(err.syscall).toBe("pread");
    expect(err.fd).toBe(fd);
    expect(err.path).toBe(path);
    k.close(fd);
  });
});

describe("ioctl", () => {
  test("a VFIO ioctl on a regular file is ENOTTY with errno, fd and request", () => {
    const path = file();
    const fd = k.open(path, O_RDONLY);
    const request = CONTAINER_IOCTLS.VFIO_GET_API_VERSION;
    const err = expectSyscallError(() => k.ioctl(fd, request, 0), "ENOTTY");
    expect(err.syscall).toBe("ioctl");
    expect(err.fd).toBe(fd);
    expect(err.path).toBe(path);
    // Not a VFIO node, so the name cannot be known: the number is reported.
    expect(err.request).toBe(`0x${request.toString(16)}`);
    k.close(fd);
  });

  test("a struct argument is written back by the kernel (FIONREAD on a regular file)", () => {
    const FIONREAD = 0x541b;
    const fd = k.open(file("0123456789"), O_RDONLY);
    const arg = new Uint8Array(4);
    expect(k.ioctl(fd, FIONREAD, arg)).toBe(0);
    expect(new DataView(arg.buffer).getInt32(0, true)).toBe(10);
    k.close(fd);
  });

  describe.skipIf(!existsSync("/dev/ptmx"))("by-value integer argument (needs /dev/ptmx)", () => {
    test("TCFLSH accepts queue selector 2 and rejects 7: the integer reaches the kernel", () => {
      const TCFLSH = 0x540b;
      const fd = k.open("/dev/ptmx", O_RDWR);
      expect(k.ioctl(fd, TCFLSH, 2)).toBe(0);
      expect(k.ioctl(fd, TCFLSH, 0)).toBe(0);
      expectSyscallError(() => k.ioctl(fd, TCFLSH, 7), "EINVAL");
      k.close(fd);
    });
  });

  test("request names resolve per fd kind (the same number differs between container and device)", () => {
    const nr = CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO;
    expect(ioctlRequestName("/dev/vfio/vfio", nr)).toBe("VFIO_IOMMU_GET_INFO");
    expect(ioctlRequestName("/dev/vfio/devices/vfio0", nr)).toBe("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO");
    expect(DEVICE_IOCTLS.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO).toBe(nr);
    expect(ioctlRequestName("/dev/vfio/12", GROUP_IOCTLS.VFIO_GROUP_SET_CONTAINER)).toBe("VFIO_GROUP_SET_CONTAINER");
    expect(ioctlRequestName(undefined, nr)).toBe(`0x${nr.toString(16)}`);
  });
});
