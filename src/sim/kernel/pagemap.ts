// The simulated /proc/self/pagemap (Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per virtual page of
// this process, at file offset (vaddr / PAGE_SIZE) * 8. Only pinned memory (physical-memory.ts) has frames in the
// model; every other page reads as an empty entry. Without CAP_SYS_ADMIN (decided at open, as the kernel does) the
// PFN field reads 0 while the flags stay.
import { PAGEMAP_ENTRY_BYTES as E, PM_MMAP_EXCLUSIVE, PM_PFRAME_MASK, PM_PRESENT } from "../../vfio/abi/pagemap.ts";
import type { PagemapFile } from "../vfio/vfio-files.ts";
import { fail } from "./errno.ts";
import type { FdTable } from "./fd-table.ts";
import type { PhysicalMemory } from "./physical-memory.ts";

/** open(2) of the pagemap: the capability is checked now, as the kernel checks the opener's credentials. */
export function openPagemap(fds: FdTable, capSysAdmin: boolean): number {
  return fds.add(() => ({ kind: "pagemap", showPfn: capSysAdmin }));
}

/**
 * pread/pwrite on an open pagemap: entries read, a write refused (the file is read-only: EBADF for its O_RDONLY fd).
 * @throws SyscallError (through the fd table) EINVAL for a misaligned read, EBADF for a write
 */
export function pagemapIo(fds: FdTable, phys: PhysicalMemory, fd: number, buf: Uint8Array, offset: number, write: boolean): number {
  const f = fds.get(fd) as PagemapFile;
  try {
    if (write) fail("EBADF");
    return readPagemap(phys, f, buf, offset);
  } catch (e) {
    return fds.rethrow(e, write ? "pwrite" : "pread", fd);
  }
}

/**
 * pread(2) of the pagemap: fills `buf` with the entries from file offset `offset` on and returns the bytes read.
 * @throws Errno EINVAL for an offset or a length that is not a multiple of 8 (the kernel's alignment rule)
 */
export function readPagemap(phys: PhysicalMemory, file: PagemapFile, buf: Uint8Array, offset: number): number {
  if (offset % E !== 0 || buf.length % E !== 0 || offset < 0) fail("EINVAL");
  const ps = BigInt(phys.layout.pageSize);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < buf.length / E; i++) {
    const vaddr = (BigInt(offset / E) + BigInt(i)) * ps;
    const pa = phys.physicalOf(vaddr);
    const entry = pa === undefined ? 0n : PM_PRESENT | PM_MMAP_EXCLUSIVE | (file.showPfn ? (pa / ps) & PM_PFRAME_MASK : 0n);
    view.setBigUint64(i * E, entry, true);
  }
  return buf.length;
}
