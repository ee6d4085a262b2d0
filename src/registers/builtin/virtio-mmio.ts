// The virtio-mmio transport (virtio 1.x §4.2.2, "MMIO Device Register Layout", and §4.2.4 for the legacy layout):
// version 1 (legacy: guest page size, queue PFN and alignment) and version 2 (modern: 64-bit queue addresses split in
// halves, QueueReady, shared memory regions, config generation), plus the virtio-blk configuration space at 0x100 for
// a transport whose DeviceID says block. Registers are 32 bits; config fields have their own widths.
import type { FieldSpec, RegisterAccess, RegisterMap, RegisterSpec } from "../register-map.ts";
import { bit, field, reg, type RegisterExtra } from "./define.ts";
import { VIRTIO_MMIO_COMPATIBLE, virtioMmioMapName } from "./identities.ts";
import { MMIO, MMIO_REGISTER_BITS, VIRTIO_MMIO_MAGIC as MAGIC, VIRTIO_MMIO_VENDOR_QEMU } from "../../spec/virtio-mmio.ts";
import { BLK_CONFIG, BLK_CONFIG_BITS, VIRTIO_ID_BLOCK } from "../../spec/virtio-blk.ts";

/** "virt" read as a little-endian word. */
export const VIRTIO_MMIO_MAGIC = BigInt(MAGIC);

/** Device IDs (virtio 1.x §5) a transport may report. */
const DEVICE_IDS: Record<string, string> = {
  "0": "no device (reserved)",
  "1": "network card",
  "2": "block device",
  "3": "console",
  "4": "entropy source",
  "5": "memory balloon (traditional)",
  "8": "SCSI host",
  "9": "9P transport",
  "16": "GPU device",
  "18": "input device",
  "19": "socket device",
  "20": "crypto device",
  "26": "file system device",
};

/** Device status bits (§2.1). */
const STATUS_FIELDS: FieldSpec[] = [
  bit("ACKNOWLEDGE", 0, "the guest found the device"),
  bit("DRIVER", 1, "the guest knows how to drive it"),
  bit("DRIVER_OK", 2, "the driver is ready"),
  bit("FEATURES_OK", 3, "feature negotiation is complete"),
  bit("DEVICE_NEEDS_RESET", 6, "the device hit an error it cannot recover from"),
  bit("FAILED", 7, "the guest gave up on the device"),
];

const INTERRUPT_FIELDS: FieldSpec[] = [
  bit("USED_BUFFER", 0, "used buffer notification (a queue was used)"),
  bit("CONFIG_CHANGE", 1, "configuration change notification"),
];

/** A transport register: its offset and width from the spec table (src/spec/virtio-mmio.ts), the one home of both. */
function mmio(name: string, key: keyof typeof MMIO, access: RegisterAccess, extra: RegisterExtra = {}): RegisterSpec {
  return reg(name, MMIO[key], access, { width: MMIO_REGISTER_BITS, ...extra });
}

/** The registers both layouts have at the same offsets. */
function common(version: 1 | 2): RegisterSpec[] {
  const legacy = version === 1;
  return [
    mmio("MagicValue", "MAGIC_VALUE", "RO", { reset: VIRTIO_MMIO_MAGIC, description: `magic value 0x${MAGIC.toString(16)} ("virt")` }),
    mmio("Version", "VERSION", "RO", { reset: BigInt(version), description: `device version (${legacy ? "1: legacy" : "2: virtio 1.x"})` }),
    mmio("DeviceID", "DEVICE_ID", "RO", { description: "virtio subsystem device ID", fields: [field("DeviceID", 0, 32, { values: DEVICE_IDS })] }),
    mmio("VendorID", "VENDOR_ID", "RO", { description: `virtio subsystem vendor ID (QEMU: 0x${VIRTIO_MMIO_VENDOR_QEMU.toString(16)}, "QEMU")` }),
    mmio(legacy ? "HostFeatures" : "DeviceFeatures", "DEVICE_FEATURES", "RO", { description: "32 feature bits of the device, the word HostFeaturesSel/DeviceFeaturesSel selects" }),
    mmio(legacy ? "HostFeaturesSel" : "DeviceFeaturesSel", "DEVICE_FEATURES_SEL", "WO", { description: "which 32 feature bits the feature register shows" }),
    mmio(legacy ? "GuestFeatures" : "DriverFeatures", "DRIVER_FEATURES", "WO", { description: "32 feature bits the driver accepts, the word the selector chooses" }),
    mmio(legacy ? "GuestFeaturesSel" : "DriverFeaturesSel", "DRIVER_FEATURES_SEL", "WO", { description: "which 32 feature bits a driver-features write sets" }),
    mmio("QueueSel", "QUEUE_SEL", "WO", { description: "virtual queue the queue registers act on" }),
    mmio("QueueNumMax", "QUEUE_NUM_MAX", "RO", { description: "largest queue size the device accepts (0: the queue does not exist)" }),
    mmio("QueueNum", "QUEUE_NUM", "WO", { description: "queue size the driver uses" }),
    mmio("QueueNotify", "QUEUE_NOTIFY", "WO", { description: "queue notifier: write a queue index when it has new buffers" }),
    mmio("InterruptStatus", "INTERRUPT_STATUS", "RO", { reset: 0n, description: "what the pending interrupt is for", fields: INTERRUPT_FIELDS }),
    mmio("InterruptACK", "INTERRUPT_ACK", "WO", { description: "write the InterruptStatus bits handled", fields: INTERRUPT_FIELDS }),
    mmio("Status", "STATUS", "RW", { reset: 0n, description: "device status (writing 0 resets the device)", writeEffect: "0 resets the device; other values step the driver's status", fields: STATUS_FIELDS }),
  ];
}

/** Registers only the legacy (version 1) layout has. */
const LEGACY_ONLY: RegisterSpec[] = [
  mmio("GuestPageSize", "GUEST_PAGE_SIZE", "WO", { description: "guest page size in bytes (the unit of QueuePFN)" }),
  mmio("QueueAlign", "QUEUE_ALIGN", "WO", { description: "used ring alignment of the selected queue, in bytes" }),
  mmio("QueuePFN", "QUEUE_PFN", "RW", { reset: 0n, description: "guest page number of the selected queue (0: not in use)", writeEffect: "activates the selected queue at that page (0 releases it)" }),
];

/** Registers only the modern (version 2) layout has. */
const MODERN_ONLY: RegisterSpec[] = [
  mmio("QueueReady", "QUEUE_READY", "RW", { reset: 0n, description: "the selected queue is ready to use", writeEffect: "1 makes the selected queue live for the device", fields: [bit("QueueReady", 0, undefined, { "0": "not ready", "1": "ready" })] }),
  mmio("QueueDescLow", "QUEUE_DESC_LOW", "WO", { description: "descriptor area address of the selected queue, bits 31:0" }),
  mmio("QueueDescHigh", "QUEUE_DESC_HIGH", "WO", { description: "descriptor area address, bits 63:32" }),
  mmio("QueueDriverLow", "QUEUE_DRIVER_LOW", "WO", { description: "driver (available) area address, bits 31:0" }),
  mmio("QueueDriverHigh", "QUEUE_DRIVER_HIGH", "WO", { description: "driver area address, bits 63:32" }),
  mmio("QueueDeviceLow", "QUEUE_DEVICE_LOW", "WO", { description: "device (used) area address, bits 31:0" }),
  mmio("QueueDeviceHigh", "QUEUE_DEVICE_HIGH", "WO", { description: "device area address, bits 63:32" }),
  mmio("SHMSel", "SHM_SEL", "WO", { description: "shared memory region the SHM registers show" }),
  mmio("SHMLenLow", "SHM_LEN_LOW", "RO", { description: "length of the selected shared memory region, bits 31:0" }),
  mmio("SHMLenHigh", "SHM_LEN_HIGH", "RO", { description: "length, bits 63:32 (all ones with SHMLenLow: no such region)" }),
  mmio("SHMBaseLow", "SHM_BASE_LOW", "RO", { description: "base address of the selected shared memory region, bits 31:0" }),
  mmio("SHMBaseHigh", "SHM_BASE_HIGH", "RO", { description: "base address, bits 63:32" }),
  mmio("QueueReset", "QUEUE_RESET", "RW", { description: "write 1 to reset the selected queue; reads 1 until it is done", writeEffect: "1 resets the selected queue" }),
  mmio("ConfigGeneration", "CONFIG_GENERATION", "RO", { description: "changes whenever the configuration space may have changed" }),
];

/** A config field (read-only unless told) at its spec offset and width in the configuration space (src/spec/virtio-blk.ts). */
function cfg(name: string, key: keyof typeof BLK_CONFIG, description: string, access: "RO" | "RW" = "RO"): RegisterSpec {
  return reg(name, MMIO.CONFIG + BLK_CONFIG[key], access, { width: BLK_CONFIG_BITS[key], description });
}

/**
 * `capacity` (le64) as two 32-bit registers, low word first: the driver must make 32-bit accesses to a 64-bit config
 * field (§4.2.2.2), so the map never offers one 64-bit access there. On a Version 2 transport the two halves belong
 * together only between two equal ConfigGeneration reads (§4.2.2.1).
 */
function capacityHalves(): RegisterSpec[] {
  const at = MMIO.CONFIG + BLK_CONFIG.CAPACITY;
  const half = (BLK_CONFIG_BITS.CAPACITY / 2) as 32;
  const note = "(a 64-bit field is read as two 32-bit halves; on Version 2, equal ConfigGeneration reads before and after make the pair consistent)";
  return [
    reg("capacity_lo", at, "RO", { width: half, description: `capacity in 512-byte sectors, bits 31:0 ${note}` }),
    reg("capacity_hi", at + half / 8, "RO", { width: half, description: `capacity in 512-byte sectors, bits 63:32 ${note}` }),
  ];
}

/** struct virtio_blk_config (§5.2.4), little-endian, at 0x100. 64-bit fields are read as two 32-bit halves over VFIO. */
const BLK_CONFIG_SPACE: RegisterSpec[] = [
  ...capacityHalves(),
  cfg("size_max", "SIZE_MAX", "largest segment size (VIRTIO_BLK_F_SIZE_MAX)"),
  cfg("seg_max", "SEG_MAX", "most segments in a request (VIRTIO_BLK_F_SEG_MAX)"),
  cfg("cylinders", "CYLINDERS", "geometry: cylinders (VIRTIO_BLK_F_GEOMETRY)"),
  cfg("heads", "HEADS", "geometry: heads"),
  cfg("sectors", "SECTORS", "geometry: sectors per track"),
  cfg("blk_size", "BLK_SIZE", "block size in bytes (VIRTIO_BLK_F_BLK_SIZE)"),
  cfg("physical_block_exp", "PHYSICAL_BLOCK_EXP", "topology: logical blocks per physical block, log2"),
  cfg("alignment_offset", "ALIGNMENT_OFFSET", "topology: offset of the first aligned logical block"),
  cfg("min_io_size", "MIN_IO_SIZE", "topology: suggested minimum I/O size in blocks"),
  cfg("opt_io_size", "OPT_IO_SIZE", "topology: optimal I/O size in blocks"),
  cfg("writeback", "WRITEBACK", "cache mode (VIRTIO_BLK_F_CONFIG_WCE): 0 write-through, 1 writeback", "RW"),
  cfg("num_queues", "NUM_QUEUES", "number of request queues (VIRTIO_BLK_F_MQ)"),
  cfg("max_discard_sectors", "MAX_DISCARD_SECTORS", "largest discard, in sectors"),
  cfg("max_discard_seg", "MAX_DISCARD_SEG", "most discard segments in one request"),
  cfg("discard_sector_alignment", "DISCARD_SECTOR_ALIGNMENT", "discard alignment, in sectors"),
  cfg("max_write_zeroes_sectors", "MAX_WRITE_ZEROES_SECTORS", "largest write-zeroes, in sectors"),
  cfg("max_write_zeroes_seg", "MAX_WRITE_ZEROES_SEG", "most write-zeroes segments in one request"),
  cfg("write_zeroes_may_unmap", "WRITE_ZEROES_MAY_UNMAP", "write-zeroes may deallocate the sectors"),
  cfg("max_secure_erase_sectors", "MAX_SECURE_ERASE_SECTORS", "largest secure erase, in sectors"),
  cfg("max_secure_erase_seg", "MAX_SECURE_ERASE_SEG", "most secure-erase segments in one request"),
  cfg("secure_erase_sector_alignment", "SECURE_ERASE_SECTOR_ALIGNMENT", "secure-erase alignment, in sectors"),
];

/** Feature registers: the legacy name and the virtio 1.x name of the same register. */
const FEATURE_NAMES: readonly [string, string][] = [
  ["HostFeatures", "DeviceFeatures"],
  ["HostFeaturesSel", "DeviceFeaturesSel"],
  ["GuestFeatures", "DriverFeatures"],
  ["GuestFeaturesSel", "DriverFeaturesSel"],
];

/** The modern registers that replace QueuePFN: the three ring addresses and the ready flag. */
const PFN_SUCCESSORS = ["QueueDescLow", "QueueDriverLow", "QueueDeviceLow", "QueueReady"];

/** The other layout's registers, with the ones that do their job in `version`'s layout. */
function counterparts(version: 1 | 2): Record<string, readonly string[]> {
  if (version === 2) return { ...Object.fromEntries(FEATURE_NAMES.map(([l, m]) => [l, [m]])), QueuePFN: PFN_SUCCESSORS };
  const modernQueue = ["QueueDescHigh", "QueueDriverHigh", "QueueDeviceHigh", ...PFN_SUCCESSORS];
  return { ...Object.fromEntries(FEATURE_NAMES.map(([l, m]) => [m, [l]])), ...Object.fromEntries(modernQueue.map((n) => [n, ["QueuePFN"]])) };
}

function layout(version: 1 | 2, blk: boolean): RegisterMap {
  const own = version === 1 ? LEGACY_ONLY : MODERN_ONLY;
  const name = virtioMmioMapName(version, blk);
  return {
    name,
    description: `virtio-mmio transport, ${version === 1 ? "legacy layout (Version 1)" : "virtio 1.x layout (Version 2)"}${blk ? ", with the virtio-blk configuration space" : ""}`,
    compatible: [...VIRTIO_MMIO_COMPATIBLE],
    registers: [...common(version), ...own, ...(blk ? BLK_CONFIG_SPACE : [])].sort((a, b) => a.offset - b.offset),
    counterparts: counterparts(version),
  };
}

export const VIRTIO_MMIO_V1_MAP = layout(1, false);
export const VIRTIO_MMIO_V2_MAP = layout(2, false);
export const VIRTIO_MMIO_V1_BLK_MAP = layout(1, true);
export const VIRTIO_MMIO_V2_BLK_MAP = layout(2, true);

/**
 * The map of a virtio-mmio transport from what it says about itself: its Version register (1 legacy, 2 modern) and
 * its DeviceID (2 adds the virtio-blk configuration space). Undefined for any other version.
 */
export function virtioMmioMapFor(version: number, deviceId: number): RegisterMap | undefined {
  const blk = deviceId === VIRTIO_ID_BLOCK;
  if (version === 1) return blk ? VIRTIO_MMIO_V1_BLK_MAP : VIRTIO_MMIO_V1_MAP;
  if (version === 2) return blk ? VIRTIO_MMIO_V2_BLK_MAP : VIRTIO_MMIO_V2_MAP;
  return undefined;
}
