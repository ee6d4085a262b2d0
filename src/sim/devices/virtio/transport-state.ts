// What a virtio-mmio transport with a device remembers between CLI processes (a real transport keeps its registers
// when the program that set them exits): status, features, selectors, interrupt status and the queue's addresses and
// indexes. Saved as plain JSON (addresses as hex text) and checked field by field when read back.
import { savedNumber, savedObject, savedString, savedU32 } from "../saved-state.ts";
import { emptyRing, type RingState } from "./split-ring.ts";

/** QEMU's virtio-blk queue-size: the queue's size until the driver writes QueueNum. */
export const DEFAULT_QUEUE_NUM = 256;
/** QEMU's initial vring alignment (legacy layout). */
const DEFAULT_ALIGN = 4096;

export interface QueueState {
  ring: RingState;
  /** Legacy QueueAlign. */
  align: number;
  /** Modern QueueReady. */
  enabled: boolean;
  /** Modern: what QueueNum / QueueDesc / QueueDriver / QueueDevice hold until QueueReady takes them. */
  stagedNum: number;
  stagedDesc: bigint;
  stagedDriver: bigint;
  stagedDevice: bigint;
}

export interface TransportState {
  status: number;
  isr: number;
  /** The device met a ring it cannot walk: it serves nothing until reset. */
  broken: boolean;
  /** The block device's write cache enable (config `wce`). */
  wce: number;
  deviceFeaturesSel: number;
  driverFeaturesSel: number;
  /** The features in force (what the driver accepted of the offer). */
  guestFeatures: bigint;
  /** Modern: DriverFeatures words 0 and 1 until FEATURES_OK. */
  stagedFeatures: [number, number];
  guestPageShift: number;
  queueSel: number;
  generation: number;
  queue: QueueState;
}

export function freshTransport(): TransportState {
  return {
    status: 0,
    isr: 0,
    broken: false,
    wce: 1,
    deviceFeaturesSel: 0,
    driverFeaturesSel: 0,
    guestFeatures: 0n,
    stagedFeatures: [0, 0],
    guestPageShift: 0,
    queueSel: 0,
    generation: 0,
    queue: { ring: emptyRing(DEFAULT_QUEUE_NUM), align: DEFAULT_ALIGN, enabled: false, stagedNum: 0, stagedDesc: 0n, stagedDriver: 0n, stagedDevice: 0n },
  };
}

const hex = (v: bigint) => `0x${v.toString(16)}`;
const MODEL = "virtio-mmio";

export function saveTransport(s: TransportState): unknown {
  const q = s.queue;
  return {
    kind: "blk",
    status: s.status,
    isr: s.isr,
    broken: s.broken ? 1 : 0,
    wce: s.wce,
    deviceFeaturesSel: s.deviceFeaturesSel,
    driverFeaturesSel: s.driverFeaturesSel,
    guestFeatures: hex(s.guestFeatures),
    stagedFeatures0: s.stagedFeatures[0],
    stagedFeatures1: s.stagedFeatures[1],
    guestPageShift: s.guestPageShift,
    queueSel: s.queueSel,
    generation: s.generation,
    queue: {
      num: q.ring.num,
      desc: hex(q.ring.desc),
      avail: hex(q.ring.avail),
      used: hex(q.ring.used),
      lastAvail: q.ring.lastAvail,
      usedIdx: q.ring.usedIdx,
      signalledUsed: q.ring.signalledUsed,
      align: q.align,
      enabled: q.enabled ? 1 : 0,
      stagedNum: q.stagedNum,
      stagedDesc: hex(q.stagedDesc),
      stagedDriver: hex(q.stagedDriver),
      stagedDevice: hex(q.stagedDevice),
    },
  };
}

function savedHex(o: Record<string, unknown>, key: string): bigint {
  const t = savedString(o, key, MODEL);
  if (!/^0x[0-9a-f]{1,16}$/.test(t)) throw new TypeError(`${MODEL}: saved state field '${key}' is not a 64-bit hex value`);
  return BigInt(t);
}

function savedU16(o: Record<string, unknown>, key: string): number {
  const v = savedU32(o, key, MODEL);
  if (v > 0xffff) throw new TypeError(`${MODEL}: saved state field '${key}' is not a 16-bit index`);
  return v;
}

/** @throws TypeError naming the field when the saved state is not a block transport's */
export function restoreTransport(state: unknown): TransportState {
  const o = savedObject(state, MODEL);
  if (o["kind"] !== "blk") throw new TypeError(`${MODEL}: saved state is not a block device transport's`);
  const qo = savedObject(o["queue"], MODEL);
  const signalled = savedNumber(qo, "signalledUsed", MODEL);
  if (!Number.isInteger(signalled) || signalled < -1 || signalled > 0xffff) {
    throw new TypeError(`${MODEL}: saved state field 'signalledUsed' is not a 16-bit index or -1`);
  }
  const num = savedU32(qo, "num", MODEL);
  if (num > 1024) throw new TypeError(`${MODEL}: saved state field 'num' is above 1024`);
  return {
    status: savedU32(o, "status", MODEL),
    isr: savedU32(o, "isr", MODEL),
    broken: savedU32(o, "broken", MODEL) !== 0,
    wce: savedU32(o, "wce", MODEL) ? 1 : 0,
    deviceFeaturesSel: savedU32(o, "deviceFeaturesSel", MODEL),
    driverFeaturesSel: savedU32(o, "driverFeaturesSel", MODEL),
    guestFeatures: savedHex(o, "guestFeatures"),
    stagedFeatures: [savedU32(o, "stagedFeatures0", MODEL), savedU32(o, "stagedFeatures1", MODEL)],
    guestPageShift: savedU32(o, "guestPageShift", MODEL) & 31,
    queueSel: savedU32(o, "queueSel", MODEL),
    generation: savedU32(o, "generation", MODEL),
    queue: {
      ring: {
        num,
        desc: savedHex(qo, "desc"),
        avail: savedHex(qo, "avail"),
        used: savedHex(qo, "used"),
        lastAvail: savedU16(qo, "lastAvail"),
        usedIdx: savedU16(qo, "usedIdx"),
        signalledUsed: signalled,
      },
      align: savedU32(qo, "align", MODEL),
      enabled: savedU32(qo, "enabled", MODEL) !== 0,
      stagedNum: savedU32(qo, "stagedNum", MODEL),
      stagedDesc: savedHex(qo, "stagedDesc"),
      stagedDriver: savedHex(qo, "stagedDriver"),
      stagedDevice: savedHex(qo, "stagedDevice"),
    },
  };
}
