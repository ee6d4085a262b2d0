// The kernel's taint flags that VFIO's noiommu mode touches (Documentation/admin-guide/tainted-kernels.rst,
// /proc/sys/kernel/tainted): one home for the bit, read by doctor and set by the simulated kernel's vfio.

/** The file holding the taint mask, in decimal. */
export const TAINTED_PATH = "/proc/sys/kernel/tainted";
/** TAINT_USER (bit 6, 'U'): vfio adds it when it makes a noiommu group, and it stays until reboot. */
export const TAINT_USER = 1 << 6;
