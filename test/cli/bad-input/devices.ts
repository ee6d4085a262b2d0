// The devices every bad-input case may name: bound to VFIO on the shared board (and on a case's own board).
export const PL031 = "9010000.pl031";
export const VIRTIO = "a000000.virtio_mmio";
