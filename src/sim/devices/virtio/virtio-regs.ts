// The numbers of the virtio-mmio transport and the split virtqueue, from the virtio 1.x spec (4.2.2 "MMIO Device
// Register Layout", 4.2.4 "Legacy interface", 2.7 "Split Virtqueues", 2.1 "Device Status Field", 6 "Reserved Feature
// Bits"). One table, so the transport, the ring walker and the tests name registers and bits the same way.

/** Register offsets inside the 0x200-byte transport window (config space starts at CONFIG). */
export const MMIO = {
  MAGIC_VALUE: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010,
  DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020,
  DRIVER_FEATURES_SEL: 0x024,
  /** Legacy only. */
  GUEST_PAGE_SIZE: 0x028,
  QUEUE_SEL: 0x030,
  QUEUE_NUM_MAX: 0x034,
  QUEUE_NUM: 0x038,
  /** Legacy only. */
  QUEUE_ALIGN: 0x03c,
  /** Legacy only. */
  QUEUE_PFN: 0x040,
  /** Version 2 only. */
  QUEUE_READY: 0x044,
  QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060,
  INTERRUPT_ACK: 0x064,
  STATUS: 0x070,
  QUEUE_DESC_LOW: 0x080,
  QUEUE_DESC_HIGH: 0x084,
  QUEUE_DRIVER_LOW: 0x090,
  QUEUE_DRIVER_HIGH: 0x094,
  QUEUE_DEVICE_LOW: 0x0a0,
  QUEUE_DEVICE_HIGH: 0x0a4,
  CONFIG_GENERATION: 0x0fc,
  CONFIG: 0x100,
} as const;

/** "virt" as a little-endian word. */
export const VIRTIO_MMIO_MAGIC = 0x74726976;
/** "QEMU" as a little-endian word: QEMU's vendor ID. */
export const VIRTIO_MMIO_VENDOR_QEMU = 0x554d4551;

/** Device Status bits. */
export const STATUS = {
  ACKNOWLEDGE: 0x01,
  DRIVER: 0x02,
  DRIVER_OK: 0x04,
  FEATURES_OK: 0x08,
  DEVICE_NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

/** InterruptStatus bits. */
export const INT_VRING = 0x1;
export const INT_CONFIG = 0x2;

/** Transport feature bits (numbers, not masks). */
export const F = {
  NOTIFY_ON_EMPTY: 24,
  ANY_LAYOUT: 27,
  RING_INDIRECT_DESC: 28,
  RING_EVENT_IDX: 29,
  VERSION_1: 32,
  RING_RESET: 40,
} as const;

/** Split-ring descriptor flags. */
export const DESC_F = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const;
/** Avail ring flag: the driver asks for no interrupts. */
export const AVAIL_F_NO_INTERRUPT = 1;

/** The largest queue any QEMU virtio device takes (VIRTQUEUE_MAX_SIZE): what QueueNumMax reads for a queue that exists. */
export const VIRTQUEUE_MAX_SIZE = 1024;

/** The bit `n` of a 64-bit feature word. */
export function bit(n: number): bigint {
  return 1n << BigInt(n);
}
