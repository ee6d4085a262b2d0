// vfio-platform's read/write path: the region index sits in the file offset's top bits (index << 40), the offset must
// be inside the region, the count is clamped to the region end, and the transfer is split into 32-bit accesses where
// 4 bytes remain at a 4-aligned offset, else 16-bit, else 8-bit. It never issues a 64-bit access.
import { VFIO_PLATFORM_OFFSET_SHIFT } from "../../vfio/abi/constants.ts";
import type { DeviceSpec, RegionSpec } from "../boards/board-spec.ts";
import type { AccessWidth, DeviceModel } from "../devices/device-model.ts";
import { fail } from "../kernel/errno.ts";
import { VFIO_REGION_INFO_FLAG_MMAP, VFIO_REGION_INFO_FLAG_READ, VFIO_REGION_INFO_FLAG_WRITE } from "../../vfio/abi/constants.ts";

const SHIFT = 2 ** VFIO_PLATFORM_OFFSET_SHIFT;

/** Split a file offset into (region index, offset in region). */
export function splitOffset(offset: number): { index: number; off: number } {
  return { index: Math.floor(offset / SHIFT), off: offset % SHIFT };
}

/** The region an access names. @throws Errno EINVAL (no such region, PIO, read-only for a write, past its end) */
function region(spec: DeviceSpec, index: number, off: number, write: boolean): RegionSpec {
  const r = spec.regions[index];
  if (!r || r.pio) return fail("EINVAL");
  if (write && r.readOnly) return fail("EINVAL");
  if (off >= r.size) return fail("EINVAL");
  return r;
}

/** The access width vfio-platform uses at `pos` with `left` bytes to go: 32-bit, else 16-bit, else 8-bit. */
function widthAt(pos: number, left: number): AccessWidth {
  return left >= 4 && pos % 4 === 0 ? 4 : left >= 2 && pos % 2 === 0 ? 2 : 1;
}

/** The shared read/write loop: bounds, clamping and splitting; returns bytes moved. @throws Errno */
function transfer(spec: DeviceSpec, model: DeviceModel, buf: Uint8Array, offset: number, write: boolean): number {
  const { index, off } = splitOffset(offset);
  const r = region(spec, index, off, write);
  const count = Math.min(buf.length, r.size - off);
  for (let done = 0; done < count; ) {
    const pos = off + done;
    const w = widthAt(pos, count - done);
    if (write) {
      let v = 0n;
      for (let i = w - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[done + i]!);
      model.write(index, pos, w, v);
    } else {
      const v = model.read(index, pos, w);
      for (let i = 0; i < w; i++) buf[done + i] = Number((v >> BigInt(8 * i)) & 0xffn);
    }
    done += w;
  }
  return count;
}

/** pread: returns bytes read. @throws Errno */
export function regionRead(spec: DeviceSpec, model: DeviceModel, buf: Uint8Array, offset: number): number {
  return transfer(spec, model, buf, offset, false);
}

/** pwrite: returns bytes written. @throws Errno */
export function regionWrite(spec: DeviceSpec, model: DeviceModel, buf: Uint8Array, offset: number): number {
  return transfer(spec, model, buf, offset, true);
}

/** VFIO region flags for a platform resource: READ, WRITE unless read-only, MMAP when page-aligned in base and size. */
export function regionFlags(r: RegionSpec, pageSize: number): number {
  if (r.pio) return 0;
  const page = BigInt(pageSize);
  const mmap = r.base % page === 0n && BigInt(r.size) % page === 0n;
  return VFIO_REGION_INFO_FLAG_READ | (r.readOnly ? 0 : VFIO_REGION_INFO_FLAG_WRITE) | (mmap ? VFIO_REGION_INFO_FLAG_MMAP : 0);
}
