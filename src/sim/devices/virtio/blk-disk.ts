// The virtio-blk model's backing store: a raw image file, read and written in place (so a test, or the user, finds
// the written bytes in the file). Either the board names the image, or the disk is a file of the board's state
// directory (disks/<device>.img), made at first use with the board's capacity and removed by sim-reset.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

import { SECTOR_SIZE } from "../../../spec/virtio-blk.ts";

/** The disk file could not be opened, read or written: the OS error's facts. */
export class DiskIoError extends Error {
  override readonly name = "DiskIoError";
  constructor(
    readonly path: string,
    override readonly cause: unknown,
  ) {
    super(`virtio-blk disk ${path}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** The state directory's folder of board-owned disks (sim-reset removes it). */
export const DISKS_SUBDIR = "disks";

/** Where the disk of `device` lives in the board's state directory: disks/<device>.img. */
export function stateDiskPath(stateDir: string, device: string): string {
  return join(stateDir, DISKS_SUBDIR, `${device}.img`);
}

/** A raw disk image of `sectors` 512-byte sectors. */
export class BlkDisk {
  constructor(
    readonly path: string,
    readonly sectors: bigint,
    /** Create the file (sparse, `sectors` long) when it is missing: the state directory's own disk. */
    private readonly create: boolean,
  ) {}

  /** Read `length` bytes at byte `offset` into `into` (past the file's end reads zeros). @throws DiskIoError */
  read(offset: number, into: Uint8Array[]): void {
    this.#with("r", (fd) => {
      let pos = offset;
      for (const v of into) {
        const n = readSync(fd, v, 0, v.length, pos);
        v.fill(0, n);
        pos += v.length;
      }
    });
  }

  /** Write the buffers at byte `offset`, in order. @throws DiskIoError */
  write(offset: number, from: Uint8Array[]): void {
    this.#with("r+", (fd) => {
      let pos = offset;
      for (const v of from) {
        let done = 0;
        while (done < v.length) done += writeSync(fd, v, done, v.length - done, pos + done);
        pos += v.length;
      }
    });
  }

  /** Make `length` bytes at `offset` read zeros. @throws DiskIoError */
  zero(offset: number, length: number): void {
    const chunk = new Uint8Array(Math.min(length, 1 << 20));
    for (let done = 0; done < length; done += chunk.length) {
      this.write(offset + done, [chunk.subarray(0, Math.min(chunk.length, length - done))]);
    }
  }

  /**
   * Make the state directory's disk if it is missing (another process may make it at the same time: that is fine).
   * @throws DiskIoError when it cannot be made
   */
  ensure(): void {
    if (!this.create || existsSync(this.path)) return;
    try {
      makeDisk(this.path, this.sectors);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new DiskIoError(this.path, e);
    }
  }

  #with(mode: "r" | "r+", fn: (fd: number) => void): void {
    this.ensure();
    let fd: number;
    try {
      fd = openSync(this.path, mode);
    } catch (e) {
      throw new DiskIoError(this.path, e);
    }
    try {
      fn(fd);
    } catch (e) {
      throw new DiskIoError(this.path, e);
    } finally {
      closeSync(fd);
    }
  }
}

/** Create a sparse raw image of `sectors` sectors (its folder too). */
export function makeDisk(path: string, sectors: bigint): void {
  mkdirSync(join(path, ".."), { recursive: true });
  const fd = openSync(path, "wx");
  try {
    ftruncateSync(fd, Number(sectors) * SECTOR_SIZE);
  } finally {
    closeSync(fd);
  }
}

/** An image file's size in whole sectors. @throws DiskIoError when it cannot be read */
export function imageSectors(path: string): bigint {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error("not a regular file");
    return BigInt(Math.floor(st.size / SECTOR_SIZE));
  } catch (e) {
    throw new DiskIoError(path, e);
  }
}

