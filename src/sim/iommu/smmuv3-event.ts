// SMMUv3 fault syndromes: the 32-byte event queue record the SMMU writes for a terminated transaction, and the kernel
// log lines arm-smmu-v3 (Linux 6.12, the lab's kernel) prints for it: "event 0x10 received:" followed by the record's
// four 64-bit words, one "\t0x%016llx" line each (the tab reads back from /dev/kmsg as "\x09"). Field positions are
// from the SMMUv3 architecture (IHI 0070), as pl330-smmu.md §2.6 lists them.
import type { BusAccess } from "../devices/device-model.ts";

/** Event IDs of the faults a VFIO domain can produce. */
export const F_TRANSLATION = 0x10;
export const F_ADDR_SIZE = 0x11;
export const F_PERMISSION = 0x13;

/** CLASS of a fault on the transaction's own input address (0 = CD fetch, 1 = table walk, 2 = input address). */
const CLASS_IN = 2n;

export interface SmmuV3Event {
  /** Event ID (F_TRANSLATION, F_PERMISSION, F_ADDR_SIZE). */
  id: number;
  streamId: number;
  /** The record as four little-endian 64-bit words, as the driver reads and prints them. */
  dwords: [bigint, bigint, bigint, bigint];
  /** The 32 bytes of the event queue entry. */
  bytes: Uint8Array;
}

/**
 * The event record for a terminated transaction. Word 0: ID [7:0], SSV [11] = 0 (no substream), SubstreamID [31:12],
 * StreamID [63:32]. Word 1: STAG [15:0] and Stall [31] = 0 (terminate model), PnU [33], InD [34], RnW [35] (1 = read),
 * S2 [39] (the fault is from stage 2), CLASS [41:40]. Word 2: the input address. Word 3: the IPA [51:12] of a stage-2
 * fault (zero for stage 1).
 */
export function encodeEvent(id: number, a: BusAccess, address: bigint, stage: 1 | 2): SmmuV3Event {
  const bit = (on: boolean, n: bigint) => (on ? 1n << n : 0n);
  const sid = BigInt(a.streamId >>> 0);
  const dwords: [bigint, bigint, bigint, bigint] = [
    BigInt(id & 0xff) | (sid << 32n),
    bit(a.privileged, 33n) | bit(a.instruction, 34n) | bit(!a.write, 35n) | bit(stage === 2, 39n) | (CLASS_IN << 40n),
    address & 0xffff_ffff_ffff_ffffn,
    stage === 2 ? address & 0x000f_ffff_ffff_f000n : 0n,
  ];
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  dwords.forEach((d, i) => view.setBigUint64(i * 8, d, true));
  return { id, streamId: a.streamId, dwords, bytes };
}

/** The text of arm-smmu-v3's dev_info lines for one event, before the "<driver> <device>: " prefix. */
export function eventLogLines(ev: SmmuV3Event): string[] {
  return [
    `event 0x${ev.id.toString(16).padStart(2, "0")} received:`,
    ...ev.dwords.map((d) => `\t0x${d.toString(16).padStart(16, "0")}`),
  ];
}
