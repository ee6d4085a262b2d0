// doctor's findings for DMA without an IOMMU (VFIO's noiommu mode): the mode itself (enable_unsafe_noiommu_mode), the
// kernel taint it leaves, whether this process can read physical addresses from /proc/self/pagemap (CAP_SYS_ADMIN),
// and the huge page pools that give physically contiguous DMA buffers (read by vfio/huge-pages.ts, as allocation does).
// Each finding names its fix. Everything is read through the boundary, so the simulated board answers the same files.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { TAINTED_PATH, TAINT_USER } from "../vfio/abi/taint.ts";
import { defaultHugePageSize, hugePagePools, type HugePagePool } from "../vfio/huge-pages.ts";
import type { Finding } from "./doctor.ts";

export const NOIOMMU_PARAM = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";
/** CAP_SYS_ADMIN's bit in the CapEff mask. */
const CAP_SYS_ADMIN = 1n << 21n;

function read(b: KernelBoundary, path: string): string | undefined {
  try {
    return b.fs.readFile(path);
  } catch {
    return undefined;
  }
}

/** No IOMMU group exists (no IOMMU driver, or none in front of any device): only noiommu mode can bind. */
function noIommu(b: KernelBoundary): boolean {
  try {
    return b.fs.readdir("/sys/kernel/iommu_groups").length === 0;
  } catch {
    return true;
  }
}

/** CAP_SYS_ADMIN in this process's effective set (/proc/self/status CapEff), undefined when unreadable. */
export function hasCapSysAdmin(b: KernelBoundary): boolean | undefined {
  const m = /^CapEff:\s+([0-9a-f]+)/m.exec(read(b, "/proc/self/status") ?? "");
  return m ? (BigInt(`0x${m[1]}`) & CAP_SYS_ADMIN) !== 0n : undefined;
}

/**
 * The noiommu findings: the mode's state (always, when VFIO has the parameter); with the mode on, the taint,
 * pagemap's PFNs and the huge page pool.
 */
export function checkNoiommu(b: KernelBoundary): Finding[] {
  const param = read(b, NOIOMMU_PARAM)?.trim();
  if (param === undefined) return [];
  const on = param === "Y" || param === "1";
  const out: Finding[] = [];
  out.push(
    on
      ? {
          check: "noiommu",
          status: "info",
          message: "noiommu mode is ON (enable_unsafe_noiommu_mode=Y): devices without an IOMMU can be bound, with no DMA isolation; their DMA uses physical addresses",
          fix: `to turn it off once no noiommu group is in use: echo 0 > ${NOIOMMU_PARAM}`,
        }
      : noIommu(b)
        ? {
            check: "noiommu",
            // info, not warn: behind an IOMMU, groups appear only as devices probe (the lab's SMMUv3 shows none before
            // the first bind), so an empty iommu_groups does not prove the machine has no IOMMU.
            status: "info",
            message: "noiommu mode is off and there are no IOMMU groups yet: a device with no IOMMU cannot be bound to VFIO",
            fix: `echo 1 > ${NOIOMMU_PARAM} (or boot with vfio.enable_unsafe_noiommu_mode=1): it gives up DMA isolation and taints the kernel`,
          }
        : { check: "noiommu", status: "info", message: "noiommu mode is off (devices behind an IOMMU do not need it)" },
  );
  if (!on) return out;
  const tainted = Number(read(b, TAINTED_PATH)?.trim() ?? "NaN");
  if (Number.isInteger(tainted)) {
    out.push(
      tainted & TAINT_USER
        ? {
            check: "taint",
            status: "info",
            message: `the kernel is tainted (${tainted}, 'U' TAINT_USER): vfio marks it when it makes a noiommu group, and the mark stays until reboot`,
            fix: "only a reboot clears it; mention it in kernel bug reports",
          }
        : {
            check: "taint",
            status: "info",
            message: "the kernel is not tainted by noiommu yet: binding a device without an IOMMU will taint it (TAINT_USER, until reboot)",
          },
    );
  }
  const cap = hasCapSysAdmin(b);
  if (cap !== undefined) {
    out.push(
      cap
        ? { check: "pagemap", status: "ok", message: "this process has CAP_SYS_ADMIN: /proc/self/pagemap shows the physical addresses noiommu DMA buffers need" }
        : {
            check: "pagemap",
            status: "warn",
            message: "this process lacks CAP_SYS_ADMIN: /proc/self/pagemap reads every physical frame number as 0, so noiommu DMA buffers cannot learn their physical addresses",
            fix: "run as root (or give the program CAP_SYS_ADMIN, e.g. setcap cap_sys_admin+ep on the binary)",
          },
    );
  }
  out.push(hugePagesFinding(b));
  return out;
}

/**
 * The hugetlb pools a noiommu DMA buffer can come from (vfio/huge-pages.ts: the default size first, then any pool with
 * enough free pages): every pool is reported, ok when one has free pages, a warning with the fix when none has.
 */
function hugePagesFinding(b: KernelBoundary): Finding {
  const pools = hugePagePools(b);
  const defaultSize = defaultHugePageSize(b);
  if (pools.length === 0) {
    return {
      check: "hugepages",
      status: "warn",
      message: "this kernel shows no huge page pools (none under /sys/kernel/mm/hugepages): DMA buffers fall back to locked small pages, physically contiguous only within a page",
      fix: "use a kernel with CONFIG_HUGETLBFS, or keep noiommu DMA buffers within one page",
    };
  }
  const kb = (p: HugePagePool) => p.pageSize / 1024;
  const each = pools.map((p) => `${p.free} of ${p.total} huge pages of ${kb(p)} kB free`).join(", ");
  const freeMib = pools.reduce((sum, p) => sum + (p.free * p.pageSize) / (1 << 20), 0);
  if (pools.some((p) => p.free > 0)) {
    return {
      check: "hugepages",
      status: "ok",
      message: `${each} (${freeMib} MiB): noiommu DMA buffers get physically contiguous huge pages (the default size first, then any pool with room)`,
    };
  }
  const total = pools.reduce((sum, p) => sum + p.total, 0);
  const knob = pools.find((p) => p.pageSize === defaultSize) ?? pools[0]!;
  const suggest = Math.max(64, knob.total * 2);
  return {
    check: "hugepages",
    status: "warn",
    message: `${total === 0 ? "no huge pages are reserved" : `all ${total} huge pages are in use`} (${each}): noiommu DMA buffers fall back to locked small pages, physically contiguous only within a page, and the kernel may still migrate them`,
    fix: `as root: echo ${suggest} > ${knob.dir}/nr_hugepages (${suggest} x ${kb(knob)} kB), or boot with hugepages=${suggest}`,
  };
}
