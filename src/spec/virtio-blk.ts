// The virtio-blk sector (virtio 1.x, 5.2.6: request sectors and `capacity` always count 512 bytes, whatever blk_size
// says). The one home of that number: the driver, blk-test's pattern and the simulated disk all import it.

/** Bytes per sector in requests, in `capacity` and on the disk image. */
export const SECTOR_SIZE = 512;
