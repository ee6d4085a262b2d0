// The virtio-mmio transport and split-virtqueue numbers from the virtio 1.x spec (4.2.2 "MMIO Device Register Layout",
// 4.2.4 "Legacy interface", 2.1 "Device Status Field", 2.7 "Split Virtqueues", 6 "Reserved Feature Bits"). The one
// home of these facts: the driver (src/drivers/virtio) and the simulated transport (src/sim/devices/virtio*) both
// import them, so they cannot drift apart. Facts only: no code of either side.

/** Register offsets in the 0x200-byte transport window; every register is 32 bits, the device config from CONFIG. */
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
  /** Modern (Version 2) only. */
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
  /** Modern only: shared memory regions (SHMSel chooses one; length and base as low/high words). */
  SHM_SEL: 0x0ac,
  SHM_LEN_LOW: 0x0b0,
  SHM_LEN_HIGH: 0x0b4,
  SHM_BASE_LOW: 0x0b8,
  SHM_BASE_HIGH: 0x0bc,
  /** Modern only (VIRTIO_F_RING_RESET): write 1 to reset the selected queue. */
  QUEUE_RESET: 0x0c0,
  /** Modern only: changes whenever the device changes its config space. */
  CONFIG_GENERATION: 0x0fc,
  CONFIG: 0x100,
} as const;

/** Width in bits of every transport register (4.2.2: accesses are 32 bits; the config space has its own widths). */
export const MMIO_REGISTER_BITS = 32;

/** "virt" as a little-endian word: MagicValue. */
export const VIRTIO_MMIO_MAGIC = 0x74726976;

/** "QEMU" as a little-endian word: QEMU's VendorID. */
export const VIRTIO_MMIO_VENDOR_QEMU = 0x554d4551;

/** Device Status bits (2.1). */
export const STATUS = {
  ACKNOWLEDGE: 0x01,
  DRIVER: 0x02,
  DRIVER_OK: 0x04,
  FEATURES_OK: 0x08,
  DEVICE_NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

/** InterruptStatus bits (4.2.2). */
export const INTERRUPT = {
  /** A used buffer notification (the device used a buffer of some queue). */
  USED_BUFFER: 0x1,
  /** A configuration change notification. */
  CONFIG_CHANGE: 0x2,
} as const;

/** Device-independent feature bit numbers (6, and the legacy 24 and 27 of 6.3). */
export const VIRTIO_F = {
  NOTIFY_ON_EMPTY: 24,
  ANY_LAYOUT: 27,
  RING_INDIRECT_DESC: 28,
  RING_EVENT_IDX: 29,
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
  RING_RESET: 40,
} as const;

/** The bit for feature number `n` in the 64-bit feature word. */
export const featureBit = (n: number | bigint): bigint => 1n << BigInt(n);

/** Split-ring descriptor flags (2.7.5). */
export const DESC_F = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const;

/** Available-ring flag (2.7.6): the driver asks for no interrupts. */
export const AVAIL_F_NO_INTERRUPT = 1;

/** Device IDs (5) a message may want to name. */
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
