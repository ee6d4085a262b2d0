// The simulated /dev/iommu: one iommufd context per open, with its object table (IOAS, bound devices, the hardware
// page tables attaching creates; ids from 1, lowest free first, as the kernel's xarray allocates) and the IOMMU_*
// ioctls with the kernel's size rules (drivers/iommu/iommufd/main.c: user size below the op's minimum is EINVAL, a
// longer struct must be zero past what the kernel knows, else E2BIG) and errnos (ioas.c, io_pagetable.c, Linux 6.12).
// The VFIO compatibility ioctls iommufd also answers (a type1 container on /dev/iommu) are not modelled beyond
// VFIO_GET_API_VERSION; IOMMU_OPTION, HWPT_* and the rest answer ENOTTY here.
import { IOMMU_IOAS_MAP_FIXED_IOVA, IOMMU_IOAS_MAP_READABLE, IOMMU_IOAS_MAP_WRITEABLE } from "../../vfio/abi/constants.ts";
import { CONTAINER_IOCTLS, IOMMUFD_IOCTLS } from "../../vfio/abi/ioctls.ts";
import {
  iommu_destroy,
  iommu_ioas_alloc,
  iommu_ioas_iova_ranges,
  iommu_ioas_map,
  iommu_ioas_unmap,
  iommu_iova_range,
} from "../../vfio/abi/structs.ts";
import type { Struct } from "../../vfio/abi/codec.ts";
import { fail, pointerArg, u32At } from "../kernel/errno.ts";
import { IoasTable } from "./ioas-table.ts";

type IommufdObject =
  | { type: "ioas"; table: IoasTable }
  | { type: "device"; name: string }
  | { type: "hwpt"; ioasId: number; devices: Set<string> };

export interface IommufdFile {
  kind: "iommufd";
  fd: number;
  objects: Map<number, IommufdObject>;
  closed: boolean;
}

/** What the handlers need from the rest of the simulated kernel. */
export interface IommufdEnv {
  /** CPU page size (PAGE_SIZE). */
  pageSize: number;
  /** Is [address, address+length) mapped in the process (writable if `write`)? Pinning and copy_to_user ask. */
  isMapped(address: bigint, length: number, write: boolean): boolean;
  memoryAt(address: bigint, length: number): Uint8Array;
}

const ULONG_MAX = (1n << 64n) - 1n;
const UNMAP_ALL = ULONG_MAX; // iommu_ioas_unmap {iova 0, length U64_MAX}

/** A new object id: the lowest free one from 1. */
export function allocObject(f: IommufdFile, obj: IommufdObject): number {
  let id = 1;
  while (f.objects.has(id)) id++;
  f.objects.set(id, obj);
  return id;
}

/** The IOAS with `id`, or ENOENT. */
function ioasOf(f: IommufdFile, id: number): IoasTable {
  const o = f.objects.get(id);
  if (!o || o.type !== "ioas") fail("ENOENT");
  return o.table;
}

/** An IOAS is in use while a hardware page table made from it exists. */
function ioasInUse(f: IommufdFile, id: number): boolean {
  for (const o of f.objects.values()) if (o.type === "hwpt" && o.ioasId === id) return true;
  return false;
}

/** get_user(size) + copy_struct_from_user: the user's struct, zero-extended to the kernel's size. */
function userStruct<S extends Struct<readonly { name: string; offset: number; type: "u8" | "u16" | "u32" | "s32" | "u64" }[]>>(
  arg: Uint8Array | number,
  s: S,
  minsz: number,
): { buf: Uint8Array; userSize: number } {
  const user = pointerArg(arg);
  if (user.length < 4) fail("EFAULT");
  const userSize = u32At(user, 0);
  if (userSize < minsz) fail("EINVAL");
  if (user.length < Math.min(userSize, Math.max(userSize, s.size))) fail("EFAULT");
  if (userSize > s.size && user.subarray(s.size, userSize).some((x) => x !== 0)) fail("E2BIG");
  const buf = new Uint8Array(s.size);
  buf.set(user.subarray(0, Math.min(userSize, s.size)));
  return { buf, userSize };
}

/** iommufd_ucmd_respond: copy the kernel's struct back, no more than the user gave. */
function respond(arg: Uint8Array | number, buf: Uint8Array, userSize: number): void {
  if (typeof arg !== "number") arg.set(buf.subarray(0, Math.min(userSize, buf.length)));
}

function ioasAlloc(f: IommufdFile, arg: Uint8Array | number): number {
  const { buf, userSize } = userStruct(arg, iommu_ioas_alloc, 12);
  if (iommu_ioas_alloc.decode(buf).flags !== 0) fail("EOPNOTSUPP");
  const id = allocObject(f, { type: "ioas", table: new IoasTable() });
  iommu_ioas_alloc.encode({ out_ioas_id: id }, buf);
  respond(arg, buf, userSize);
  return 0;
}

function destroy(f: IommufdFile, arg: Uint8Array | number): number {
  const { buf } = userStruct(arg, iommu_destroy, 8);
  const id = iommu_destroy.decode(buf).id;
  const o = f.objects.get(id);
  if (!o) fail("ENOENT");
  // Objects something else holds a reference to cannot go: a bound device (VFIO holds it), a page table a device is
  // attached to, an IOAS a page table was made from.
  if (o.type === "device" || (o.type === "hwpt" && o.devices.size > 0) || (o.type === "ioas" && ioasInUse(f, id))) fail("EBUSY");
  f.objects.delete(id);
  return 0;
}

function iovaRanges(f: IommufdFile, env: IommufdEnv, arg: Uint8Array | number): number {
  const { buf, userSize } = userStruct(arg, iommu_ioas_iova_ranges, 32);
  const cmd = iommu_ioas_iova_ranges.decode(buf);
  if (cmd.__reserved !== 0) fail("EOPNOTSUPP");
  const table = ioasOf(f, cmd.ioas_id);
  const ranges = table.allowedRanges();
  const max = cmd.num_iovas;
  for (let i = 0; i < ranges.length && i < max; i++) {
    const at = cmd.allowed_iovas + BigInt(i * iommu_iova_range.size);
    if (!env.isMapped(at, iommu_iova_range.size, true)) fail("EFAULT");
    iommu_iova_range.encode(ranges[i]!, env.memoryAt(at, iommu_iova_range.size));
  }
  iommu_ioas_iova_ranges.encode({ num_iovas: ranges.length, out_iova_alignment: table.alignment }, buf);
  respond(arg, buf, userSize);
  if (ranges.length > max) fail("EMSGSIZE");
  return 0;
}

function ioasMap(f: IommufdFile, env: IommufdEnv, arg: Uint8Array | number): number {
  const { buf, userSize } = userStruct(arg, iommu_ioas_map, 40);
  const cmd = iommu_ioas_map.decode(buf);
  const known = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
  if (cmd.flags & ~known || cmd.__reserved !== 0) fail("EOPNOTSUPP");
  if (cmd.iova >= ULONG_MAX || cmd.length >= ULONG_MAX) fail("EOVERFLOW");
  if (!(cmd.flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE))) fail("EINVAL");
  const table = ioasOf(f, cmd.ioas_id);
  const iova = table.map(
    cmd.user_va,
    cmd.length,
    cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA ? cmd.iova : undefined,
    (cmd.flags & IOMMU_IOAS_MAP_READABLE) !== 0,
    (cmd.flags & IOMMU_IOAS_MAP_WRITEABLE) !== 0,
    (vaddr, length, write) => env.isMapped(vaddr, Number(length), write),
    BigInt(env.pageSize),
  );
  iommu_ioas_map.encode({ iova }, buf);
  respond(arg, buf, userSize);
  return 0;
}

function ioasUnmap(f: IommufdFile, arg: Uint8Array | number): number {
  const { buf, userSize } = userStruct(arg, iommu_ioas_unmap, 24);
  const cmd = iommu_ioas_unmap.decode(buf);
  const table = ioasOf(f, cmd.ioas_id);
  let unmapped: bigint;
  if (cmd.iova === 0n && cmd.length === UNMAP_ALL) unmapped = table.unmapAll();
  else {
    if (cmd.iova >= ULONG_MAX || cmd.length >= ULONG_MAX) fail("EOVERFLOW");
    unmapped = table.unmap(cmd.iova, cmd.length);
  }
  iommu_ioas_unmap.encode({ length: unmapped }, buf);
  respond(arg, buf, userSize);
  return 0;
}

/** Dispatch one ioctl on an iommufd. @throws Errno (src/sim/kernel/errno.ts) */
export function iommufdIoctl(f: IommufdFile, env: IommufdEnv, request: number, arg: Uint8Array | number): number {
  switch (request) {
    case IOMMUFD_IOCTLS.IOMMU_IOAS_ALLOC:
      return ioasAlloc(f, arg);
    case IOMMUFD_IOCTLS.IOMMU_DESTROY:
      return destroy(f, arg);
    case IOMMUFD_IOCTLS.IOMMU_IOAS_IOVA_RANGES:
      return iovaRanges(f, env, arg);
    case IOMMUFD_IOCTLS.IOMMU_IOAS_MAP:
      return ioasMap(f, env, arg);
    case IOMMUFD_IOCTLS.IOMMU_IOAS_UNMAP:
      return ioasUnmap(f, arg);
    case CONTAINER_IOCTLS.VFIO_GET_API_VERSION:
      return 0; // iommufd_vfio_ioctl
    default:
      return fail("ENOTTY");
  }
}
