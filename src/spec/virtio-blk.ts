// virtio-blk as the virtio 1.x spec defines it (5.2 "Block Device"): the 512-byte sector (requests and `capacity`
// always count 512 bytes, whatever blk_size says), the device ID, feature bits, request types, status bytes and the
// configuration space layout. The one home of these facts: the driver, blk-test, the simulated disk and the built-in
// register maps all import them.

/** Bytes per sector in requests, in `capacity` and on the disk image. */
export const SECTOR_SIZE = 512;

/** The block device's DeviceID (virtio 1.x, 5 "Device Types"). */
export const VIRTIO_ID_BLOCK = 2;

/** Block feature bit numbers (5.2.3; SCSI is legacy only, 5.2.3.1). */
export const BLK_F = {
  SIZE_MAX: 1,
  SEG_MAX: 2,
  GEOMETRY: 4,
  RO: 5,
  BLK_SIZE: 6,
  SCSI: 7,
  FLUSH: 9,
  TOPOLOGY: 10,
  CONFIG_WCE: 11,
  MQ: 12,
  DISCARD: 13,
  WRITE_ZEROES: 14,
} as const;

/** Request types (5.2.6): the `type` word of the request header. */
export const BLK_T = { IN: 0, OUT: 1, SCSI_CMD: 2, FLUSH: 4, GET_ID: 8, DISCARD: 11, WRITE_ZEROES: 13 } as const;

/** Legacy only (5.2.6.3): a flag a driver may OR into the type (VIRTIO_BLK_T_BARRIER). */
export const BLK_T_BARRIER = 0x8000_0000;

/** Status byte values (5.2.6): the one byte the device writes after the data. */
export const BLK_S = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;

/** Bytes of the request header: le32 type, le32 reserved, le64 sector. */
export const BLK_HEADER_SIZE = 16;

/** Bytes of the GET_ID answer: a serial string, NUL-padded when shorter. */
export const BLK_ID_BYTES = 20;

/** struct virtio_blk_config (5.2.4): byte offset of each field in the device-specific configuration space. */
export const BLK_CONFIG = {
  CAPACITY: 0x00,
  SIZE_MAX: 0x08,
  SEG_MAX: 0x0c,
  CYLINDERS: 0x10,
  HEADS: 0x12,
  SECTORS: 0x13,
  BLK_SIZE: 0x14,
  PHYSICAL_BLOCK_EXP: 0x18,
  ALIGNMENT_OFFSET: 0x19,
  MIN_IO_SIZE: 0x1a,
  OPT_IO_SIZE: 0x1c,
  WRITEBACK: 0x20,
  NUM_QUEUES: 0x22,
  MAX_DISCARD_SECTORS: 0x24,
  MAX_DISCARD_SEG: 0x28,
  DISCARD_SECTOR_ALIGNMENT: 0x2c,
  MAX_WRITE_ZEROES_SECTORS: 0x30,
  MAX_WRITE_ZEROES_SEG: 0x34,
  WRITE_ZEROES_MAY_UNMAP: 0x38,
  MAX_SECURE_ERASE_SECTORS: 0x3c,
  MAX_SECURE_ERASE_SEG: 0x40,
  SECURE_ERASE_SECTOR_ALIGNMENT: 0x44,
} as const;

/** Width in bits of each struct virtio_blk_config field (le64 capacity; u8, le16 and le32 for the rest). */
export const BLK_CONFIG_BITS: Readonly<Record<keyof typeof BLK_CONFIG, 8 | 16 | 32 | 64>> = {
  CAPACITY: 64,
  SIZE_MAX: 32,
  SEG_MAX: 32,
  CYLINDERS: 16,
  HEADS: 8,
  SECTORS: 8,
  BLK_SIZE: 32,
  PHYSICAL_BLOCK_EXP: 8,
  ALIGNMENT_OFFSET: 8,
  MIN_IO_SIZE: 16,
  OPT_IO_SIZE: 32,
  WRITEBACK: 8,
  NUM_QUEUES: 16,
  MAX_DISCARD_SECTORS: 32,
  MAX_DISCARD_SEG: 32,
  DISCARD_SECTOR_ALIGNMENT: 32,
  MAX_WRITE_ZEROES_SECTORS: 32,
  MAX_WRITE_ZEROES_SEG: 32,
  WRITE_ZEROES_MAY_UNMAP: 8,
  MAX_SECURE_ERASE_SECTORS: 32,
  MAX_SECURE_ERASE_SEG: 32,
  SECURE_ERASE_SECTOR_ALIGNMENT: 32,
};
