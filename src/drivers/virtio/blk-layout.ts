// virtio-blk as the driver uses it: the spec's facts (src/spec/virtio-blk.ts: device ID, feature bits, config offsets,
// request types, status bytes, header and ID sizes) and the driver's own names for the request types it sends.
import { BLK_T } from "../../spec/virtio-blk.ts";

export { BLK_CONFIG, BLK_F, BLK_HEADER_SIZE, BLK_ID_BYTES, BLK_S, BLK_T, VIRTIO_ID_BLOCK } from "../../spec/virtio-blk.ts";

export type BlkRequestType = "read" | "write" | "flush" | "get-id";

export const BLK_T_OF: Record<BlkRequestType, number> = { read: BLK_T.IN, write: BLK_T.OUT, flush: BLK_T.FLUSH, "get-id": BLK_T.GET_ID };
