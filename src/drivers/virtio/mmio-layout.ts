// The virtio-mmio register map and the device-status and feature bits a driver needs (virtio 1.x, 4.2.2 "MMIO Device
// Register Layout" and 4.2.4 "Legacy interface"; 2.1 "Device Status Field"; 6 "Reserved Feature Bits"). Offsets are
// bytes into the transport's 0x200-byte window; every register is 32 bits wide, the device config space from 0x100.

/** Register offsets. Legacy-only ones (Version 1) and modern-only ones (Version 2) are marked. */
export const MMIO = {
  MAGIC_VALUE: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010,
  DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020,
  DRIVER_FEATURES_SEL: 0x024,
  /** Legacy only: the page size QueuePFN counts in. */
  GUEST_PAGE_SIZE: 0x028,
  QUEUE_SEL: 0x030,
  QUEUE_NUM_MAX: 0x034,
  QUEUE_NUM: 0x038,
  /** Legacy only: the used ring's alignment. */
  QUEUE_ALIGN: 0x03c,
  /** Legacy only: the ring's address divided by GuestPageSize; 0 = queue not in use. */
  QUEUE_PFN: 0x040,
  /** Modern only. */
  QUEUE_READY: 0x044,
  QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060,
  INTERRUPT_ACK: 0x064,
  STATUS: 0x070,
  /** Modern only: the three ring addresses, 64 bits each as low/high words. */
  QUEUE_DESC_LOW: 0x080,
  QUEUE_DESC_HIGH: 0x084,
  QUEUE_DRIVER_LOW: 0x090,
  QUEUE_DRIVER_HIGH: 0x094,
  QUEUE_DEVICE_LOW: 0x0a0,
  QUEUE_DEVICE_HIGH: 0x0a4,
  /** Modern only: changes whenever the device changes its config space. */
  CONFIG_GENERATION: 0x0fc,
  CONFIG: 0x100,
} as const;

/** "virt" as a little-endian word. */
export const VIRTIO_MMIO_MAGIC = 0x74726976;

/** Device status bits (2.1). */
export const STATUS = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

/** InterruptStatus bits (4.2.2). */
export const INTERRUPT = {
  USED_BUFFER: 1,
  CONFIG_CHANGE: 2,
} as const;

/** Device-independent feature bits (6). */
export const VIRTIO_F = {
  VERSION_1: 32n,
  ACCESS_PLATFORM: 33n,
} as const;

/** Device IDs (5): the ones a message may want to name. */
export const DEVICE_ID_NAMES: Readonly<Record<number, string>> = {
  0: "none",
  1: "network card",
  2: "block device",
  3: "console",
  4: "entropy source",
  5: "memory balloon",
  8: "SCSI host",
  9: "9P transport",
  16: "GPU",
  18: "input device",
  19: "socket device",
  26: "file system",
};

/** The bit for feature number `n` (a bigint: features span 64 bits). */
export const featureBit = (n: bigint): bigint => 1n << n;
