// /proc/PID/pagemap's entry layout (Documentation/admin-guide/mm/pagemap.rst): one 64-bit little-endian entry per
// virtual page at file offset (vaddr / page size) * 8. One home for the bits: the library decodes them
// (vfio/physical-address.ts) and the simulated kernel encodes them (sim/kernel/pagemap.ts).

/** The file a process reads its own physical frames from. */
export const PAGEMAP_PATH = "/proc/self/pagemap";
/** Bytes per entry. */
export const PAGEMAP_ENTRY_BYTES = 8;
/** Bit 63: page present in RAM. */
export const PM_PRESENT = 1n << 63n;
/** Bit 62: page swapped. */
export const PM_SWAP = 1n << 62n;
/** Bit 56: page exclusively mapped (an anonymous page mapped once). */
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
/** Bits 0-54: the page frame number (read as 0 by a process without CAP_SYS_ADMIN). */
export const PM_PFRAME_MASK = (1n << 55n) - 1n;
