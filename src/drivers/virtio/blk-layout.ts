// virtio-blk as the spec defines it (virtio 1.x, 5.2 "Block Device"): its device ID, feature bits, config-space
// offsets, request types and status bytes. The request header is 16 bytes (type, reserved, sector); the status is one
// byte the device writes after the data. Sectors are always 512 bytes, whatever blk_size says.

export const VIRTIO_ID_BLOCK = 2;


/** Feature bit numbers (5.2.3). */
export const BLK_F = {
  SIZE_MAX: 1n,
  SEG_MAX: 2n,
  GEOMETRY: 4n,
  RO: 5n,
  BLK_SIZE: 6n,
  FLUSH: 9n,
  TOPOLOGY: 10n,
  CONFIG_WCE: 11n,
  MQ: 12n,
  DISCARD: 13n,
  WRITE_ZEROES: 14n,
} as const;

/** Config-space offsets (5.2.4): capacity is 64 bits, the rest 32. */
export const BLK_CONFIG = {
  CAPACITY: 0x00,
  SIZE_MAX: 0x08,
  SEG_MAX: 0x0c,
  BLK_SIZE: 0x14,
} as const;

/** Request types (5.2.6). */
export const BLK_T = {
  IN: 0,
  OUT: 1,
  FLUSH: 4,
  GET_ID: 8,
} as const;

export type BlkRequestType = "read" | "write" | "flush" | "get-id";

export const BLK_T_OF: Record<BlkRequestType, number> = { read: BLK_T.IN, write: BLK_T.OUT, flush: BLK_T.FLUSH, "get-id": BLK_T.GET_ID };

/** Status bytes (5.2.6). */
export const BLK_S = {
  OK: 0,
  IOERR: 1,
  UNSUPP: 2,
} as const;

/** Bytes of the request header: le32 type, le32 reserved, le64 sector. */
export const BLK_HEADER_SIZE = 16;

/** Bytes of the GET_ID answer: a serial string, NUL-padded when shorter. */
export const BLK_ID_BYTES = 20;
