// The block device behind a virtio-mmio transport (virtio 1.x 5.2), as QEMU 7.2's `-device virtio-blk-device`
// presents it with its defaults: the feature bits and configuration space a driver reads, and the requests it
// serves (IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES; anything else UNSUPP; a sector range outside the disk IOERR).
// Values were read from QEMU 7.2 over its qtest interface (a 8 MiB raw drive on `virt`), not from QEMU's code.
import { BLK_CONFIG, BLK_F, BLK_S, BLK_T, BLK_T_BARRIER, SECTOR_SIZE } from "../../../spec/virtio-blk.ts";
import { type BlkDisk, DiskIoError } from "./blk-disk.ts";
import { RingError, type Chain } from "./split-ring.ts";
import { featureBit as bit, VIRTIO_F as F } from "../../../spec/virtio-mmio.ts";

/** QEMU's default queue-size property: seg_max is two less (header and status take a descriptor each). */
const QUEUE_SIZE = 256;
/** QEMU's default max-discard-sectors / max-write-zeroes-sectors. */
const MAX_DWZ_SECTORS = 0x3f_ffff;
/** Bytes of configuration space QEMU exposes with DISCARD and WRITE_ZEROES offered (through write_zeroes_may_unmap). */
export const BLK_CONFIG_LEN = BLK_CONFIG.WRITE_ZEROES_MAY_UNMAP + 1;
const WCE_OFFSET = BLK_CONFIG.WRITEBACK;
/** virtio_scsi_inhdr: errors, data_len, sense_len, residual (u32 each), just before the status byte. */
const SCSI_INHDR_LEN = 16;
/** Request header: type (u32) at 0, reserved/ioprio (u32) at 4, sector (u64) at 8. */
const HEADER_TYPE = 0;

/** What QEMU 7.2 offers: legacy drops VERSION_1/RING_RESET and adds SCSI and NOTIFY_ON_EMPTY. */
export function blkFeatures(version: 1 | 2): bigint {
  let f = 0n;
  for (const b of [BLK_F.SEG_MAX, BLK_F.GEOMETRY, BLK_F.BLK_SIZE, BLK_F.FLUSH, BLK_F.TOPOLOGY, BLK_F.CONFIG_WCE, BLK_F.DISCARD, BLK_F.WRITE_ZEROES]) {
    f |= bit(b);
  }
  f |= bit(F.RING_INDIRECT_DESC) | bit(F.RING_EVENT_IDX);
  if (version === 1) f |= bit(BLK_F.SCSI) | bit(F.NOTIFY_ON_EMPTY);
  else f |= bit(F.VERSION_1) | bit(F.RING_RESET);
  return f;
}

/** The CHS geometry QEMU guesses for a disk with no partition table: 16 heads, 63 sectors, cylinders clamped. */
function geometry(sectors: bigint): number {
  const cyls = Number(sectors / 1008n);
  return Math.min(16383, Math.max(2, cyls));
}

/** A request's answer: the status byte written and the used-ring length (every byte the chain let the device write). */
export interface BlkResult {
  status: number;
  usedLen: number;
}

function total(views: Uint8Array[]): number {
  return views.reduce((n, v) => n + v.length, 0);
}

/** Split views at byte `at`: [before, after]. */
function splitAt(views: Uint8Array[], at: number): [Uint8Array[], Uint8Array[]] {
  const a: Uint8Array[] = [];
  const b: Uint8Array[] = [];
  let pos = 0;
  for (const v of views) {
    if (pos + v.length <= at) a.push(v);
    else if (pos >= at) b.push(v);
    else {
      a.push(v.subarray(0, at - pos));
      b.push(v.subarray(at - pos));
    }
    pos += v.length;
  }
  return [a, b];
}

function gather(views: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const v of views) {
    if (at >= length) break;
    const part = v.subarray(0, length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export class BlkDevice {
  /** The write cache as the driver sees it (config `wce`); QEMU's default writeback cache: on. */
  wce = 1;

  constructor(readonly disk: BlkDisk) {}

  /** The configuration space (5.2.4) as it reads now. */
  config(): Uint8Array {
    const c = new Uint8Array(BLK_CONFIG_LEN);
    const v = new DataView(c.buffer);
    const C = BLK_CONFIG;
    v.setBigUint64(C.CAPACITY, this.disk.sectors, true);
    v.setUint32(C.SEG_MAX, QUEUE_SIZE - 2, true);
    v.setUint16(C.CYLINDERS, geometry(this.disk.sectors), true);
    c[C.HEADS] = 16;
    c[C.SECTORS] = 63; // per track
    v.setUint32(C.BLK_SIZE, SECTOR_SIZE, true);
    c[WCE_OFFSET] = this.wce;
    v.setUint16(C.NUM_QUEUES, 1, true);
    v.setUint32(C.MAX_DISCARD_SECTORS, MAX_DWZ_SECTORS, true);
    v.setUint32(C.MAX_DISCARD_SEG, 1, true);
    v.setUint32(C.DISCARD_SECTOR_ALIGNMENT, 1, true); // sectors
    v.setUint32(C.MAX_WRITE_ZEROES_SECTORS, MAX_DWZ_SECTORS, true);
    v.setUint32(C.MAX_WRITE_ZEROES_SEG, 1, true);
    c[C.WRITE_ZEROES_MAY_UNMAP] = 1;
    return c;
  }

  /** A driver's write into the configuration space: only `wce` is writable (QEMU applies it as 0 or 1). */
  configWrite(offset: number, bytes: Uint8Array): void {
    const at = WCE_OFFSET - offset;
    if (at >= 0 && at < bytes.length) this.wce = bytes[at] !== 0 ? 1 : 0;
  }

  /** The disk has lost the device's reset: QEMU puts the write cache back as the drive was configured. */
  reset(): void {
    this.wce = 1;
  }

  /**
   * Serve one request chain: the 16-byte header from the readable buffers, the status byte as the last writable one.
   * @throws RingError when the chain lacks the header or the status byte (QEMU: "missing headers", device broken)
   */
  handle(chain: Chain): BlkResult {
    const outLen = total(chain.out);
    const inLen = total(chain.in);
    if (outLen < 16 || inLen < 1) throw new RingError("virtio-blk request missing headers");
    const header = new DataView(gather(chain.out, 16).buffer);
    const type = header.getUint32(HEADER_TYPE, true);
    const sector = header.getBigUint64(8, true);
    const [, payload] = splitAt(chain.out, 16);
    const [data, statusView] = splitAt(chain.in, inLen - 1);
    const status = (type & ~(BLK_T.OUT | BLK_T_BARRIER)) === BLK_T.SCSI_CMD ? this.#scsi(chain) : this.#serve(type, sector, payload, data);
    statusView[0]![0] = status;
    return { status, usedLen: inLen };
  }

  /**
   * SCSI passthrough, which QEMU's default (scsi=off) refuses: IOERR unless the chain has the command block and the
   * SCSI in-header (two readable, three writable descriptors), else UNSUPP with the in-header's `errors` set to 255.
   */
  #scsi(chain: Chain): number {
    if (chain.outCount < 2 || chain.inCount < 3) return BLK_S.IOERR;
    const [, tail] = splitAt(chain.in, total(chain.in) - 1 - SCSI_INHDR_LEN);
    const errors = new Uint8Array(4);
    new DataView(errors.buffer).setUint32(0, 255, true);
    let at = 0;
    for (const v of tail) {
      const n = Math.min(v.length, 4 - at);
      if (n <= 0) break;
      v.set(errors.subarray(at, at + n));
      at += n;
    }
    return BLK_S.UNSUPP;
  }

  #serve(type: number, sector: bigint, payload: Uint8Array[], data: Uint8Array[]): number {
    try {
      switch ((type & ~(BLK_T.OUT | BLK_T_BARRIER)) >>> 0) {
        case BLK_T.IN: {
          const write = (type & BLK_T.OUT) !== 0;
          const bufs = write ? payload : data;
          const size = total(bufs);
          if (!this.#rangeOk(sector, size)) return BLK_S.IOERR;
          if (write) this.disk.write(Number(sector) * SECTOR_SIZE, bufs);
          else this.disk.read(Number(sector) * SECTOR_SIZE, bufs);
          return BLK_S.OK;
        }
        case BLK_T.FLUSH:
          return BLK_S.OK; // every write went to the file already
        case BLK_T.GET_ID:
          return BLK_S.OK; // QEMU's default serial is empty: no bytes of the 20-byte ID are written
        // DISCARD and WRITE_ZEROES carry the OUT bit, masked off above (so QEMU also takes 10 and 12 here).
        case BLK_T.DISCARD & ~BLK_T.OUT:
        case BLK_T.WRITE_ZEROES & ~BLK_T.OUT:
          return this.#discardOrZero(((type & ~BLK_T_BARRIER) >>> 0) === BLK_T.WRITE_ZEROES, payload);
        default:
          return BLK_S.UNSUPP;
      }
    } catch (e) {
      if (e instanceof DiskIoError) return BLK_S.IOERR;
      throw e;
    }
  }

  /** QEMU's range check: whole 512-byte blocks, inside the disk. */
  #rangeOk(sector: bigint, size: number): boolean {
    if (size % SECTOR_SIZE !== 0) return false;
    const n = BigInt(size / SECTOR_SIZE);
    return sector <= this.disk.sectors && n <= this.disk.sectors - sector;
  }

  /** One {sector, num_sectors, flags} segment (max_*_seg is 1); discard keeps the data (QEMU's default discard=ignore). */
  #discardOrZero(zero: boolean, payload: Uint8Array[]): number {
    const len = total(payload);
    if (len !== 16) return BLK_S.UNSUPP;
    const seg = new DataView(gather(payload, 16).buffer);
    const sector = seg.getBigUint64(0, true);
    const count = seg.getUint32(8, true);
    const flags = seg.getUint32(12, true);
    if (flags & ~(zero ? 1 : 0)) return BLK_S.UNSUPP;
    if (count > MAX_DWZ_SECTORS || !this.#rangeOk(sector, count * SECTOR_SIZE)) return BLK_S.IOERR;
    if (zero) this.disk.zero(Number(sector) * SECTOR_SIZE, count * SECTOR_SIZE);
    return BLK_S.OK;
  }
}
