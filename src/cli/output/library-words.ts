// The CLI's words for the library's refusals: src/vfio and src/host say what they found as facts (`refusal`); this
// file turns each into the advice the user reads, naming vfio-plat's commands and flags. The error's class (and so
// the exit code) stays the library's. The one place a library refusal meets command-line words.
import {
  BindBusyError,
  BindUnsupportedError,
  BindDriverError,
  GroupNotViableError,
  DeviceNameError,
  NoSuchDeviceError,
  type BindRefusal,
  type DeviceNameRefusal,
} from "../../host/host-errors.ts";
import {
  IommufdUnavailableError,
  NoSuchIndexError,
  NotBoundError,
  PageNotResidentError,
  PagemapHiddenError,
  PhysicallyDiscontiguousError,
  type OpenRefusal,
} from "../../vfio/errors.ts";
import type { Pinning } from "../../vfio/dma-buffer.ts";
import { physicalHint } from "./physical-words.ts";
import { IrqRefusedError } from "../../vfio/irq.ts";
import { RegionAccessError, RegionRefusedError, type RegionRefusal } from "../../vfio/region.ts";
import { UserModelError } from "../../sim/devices/user-model-errors.ts";
import { ReadOnlyRegisterError, UnknownRegisterError, WriteNeedsReadError } from "../../registers/errors.ts";

/** The advice for `e` when it is a library refusal with facts, else undefined. */
export function refusalHint(e: unknown): string | undefined {
  if (e instanceof RegionRefusedError || e instanceof RegionAccessError) return regionHint(e.refusal);
  if (e instanceof IrqRefusedError) return `\`vfio-plat info ${e.refusal.device}\` lists its interrupts and their counts`;
  if (e instanceof GroupNotViableError) return `bind the whole group: vfio-plat bind --group-of ${e.device}`;
  if (e instanceof BindDriverError || e instanceof BindBusyError || e instanceof BindUnsupportedError) return bindHint(e.refusal, e.hint);
  if (e instanceof DeviceNameError || e instanceof NoSuchDeviceError) return deviceNameHint(e.refusal);
  if (e instanceof NotBoundError || e instanceof IommufdUnavailableError) return openHint(e.refusal);
  if (e instanceof UserModelError) return userModelHint(e);
  if (e instanceof PagemapHiddenError) return "run as root (CAP_SYS_ADMIN reads physical addresses from /proc/self/pagemap)";
  if (e instanceof PhysicallyDiscontiguousError) return contiguityHint(e.refusal.size, e.refusal.hugePageSize);
  if (e instanceof PageNotResidentError) return "the page was reclaimed or never faulted in: look for memory pressure, or a cgroup hugetlb limit (hugetlb.*.max)";
  if (e instanceof UnknownRegisterError) return unknownRegisterHint(e);
  if (e instanceof WriteNeedsReadError) {
    return e.reason === "write-only"
      ? `write the whole register instead (write DEVICE ${e.register} VALUE)`
      : `pass --read-clear (run --read-clear in a script) to let the write read ${e.register} first, or write the whole register`;
  }
  if (e instanceof ReadOnlyRegisterError) return "pass --force to write it anyway (the map may be wrong, or the device may ignore the write)";
  if (e instanceof NoSuchIndexError) return `see \`vfio-plat info\` for its ${e.refusal.kind === "region" ? "regions" : "interrupts"}`;
  return physicalHint(e);
}

function deviceNameHint(r: DeviceNameRefusal): string {
  if (r.reason === "invalid-name") return "use the sysfs name shown by `vfio-plat list` (e.g. 9010000.pl031)";
  return r.close.length ? `did you mean ${r.close.join(" or ")}? (see vfio-plat list)` : "see `vfio-plat list` for device names";
}

function openHint(r: OpenRefusal): string {
  switch (r.reason) {
    case "no-group":
      return `bind it first: vfio-plat bind ${r.device}`;
    case "no-cdev":
      return r.noiommu
        ? "use --iommu-mode group: noiommu devices open through their group only"
        : "the kernel needs CONFIG_VFIO_DEVICE_CDEV (Linux 6.6 or later); or use --iommu-mode group";
    case "no-iommufd":
      return "the kernel needs CONFIG_IOMMUFD; or use --iommu-mode group";
  }
}

function regionHint(r: RegionRefusal): string {
  return r.reason === "unavailable" ? `\`vfio-plat info ${r.device}\` lists its regions and their sizes` : "see `vfio-plat info` for region sizes";
}

/** `load`: the library's own advice (how to load the driver), kept in front. */
function bindHint(r: BindRefusal, load: string | undefined): string {
  switch (r.reason) {
    case "wrong-vfio-driver":
      return `use --driver ${r.target}, or leave --driver out`;
    case "not-vfio-driver":
      return `the ${r.bus} bus's is ${r.target}; leave --driver out to use it`;
    case "mixed-buses":
      return "leave --driver out (each device gets its own bus's VFIO driver), or bind the devices of each bus in a call of their own";
    case "no-vfio-driver":
      return `${load ?? `load it (modprobe ${r.target})`}${r.realWithoutVfio ? "; without VFIO hardware, try the simulated board: vfio-plat --sim" : ""}`;
    case "in-use":
      return "pass --force to bind it anyway (you may lose that console or link)";
    case "no-unbind":
      // The SMMUs' drivers always set suppress_bind_attrs; others (uart-pl011) only when built in.
      return /^arm-smmu/.test(r.driver)
        ? `${r.driver} cannot be unbound (an IOMMU stays with its driver): bind the devices behind it instead`
        : `${r.driver} is built into this kernel with no unbind file: only a kernel with it as a module lets ${r.device} go`;
  }
}

/** A user's device model failed: fix the module (or what names it); the board kept the device's last good state. */
function userModelHint(e: UserModelError): string {
  if (e.operation === "load") return `fix the module, or the path that names it (a board file's devices[].module.path) for ${e.device} (docs/device-models.md)`;
  return `a bug in that model: fix it (--debug shows where it threw); the board kept ${e.device}'s last good state`;
}

function contiguityHint(size: number, hugePageSize: number): string {
  if (hugePageSize > 0) return `use a buffer of at most one huge page (${hugePageSize} bytes), or larger huge pages (hugepagesz= on the kernel command line)`;
  return "reserve huge pages (echo N > /proc/sys/vm/nr_hugepages, or hugepages=N on the kernel command line): each is physically contiguous";
}

/**
 * The one-line warning for a noiommu buffer in locked small pages (undefined for huge pages): the kernel may still
 * migrate them, and how to get huge pages instead.
 */
export function pinningWarning(p: Pinning | undefined): string | undefined {
  if (p === undefined || p.pages === "huge") return undefined;
  const why =
    p.why.reason === "no-hugetlb"
      ? "the kernel has no huge pages (CONFIG_HUGETLBFS)"
      : `the huge page pool is short${p.why.needed !== undefined ? ` (${p.why.free ?? 0} of ${p.why.needed} ${p.why.hugePageSize}-byte pages free)` : ""}`;
  return `DMA buffer in locked small pages, which the kernel may still migrate under a running DMA: ${why}; reserve huge pages (echo N > /proc/sys/vm/nr_hugepages)`;
}

/** An unknown register or field: the closest names, else where the names are listed. */
function unknownRegisterHint(e: UnknownRegisterError): string {
  const s = e.suggestions;
  if (s.length) return `did you mean ${s.length === 1 ? s[0] : `${s.slice(0, -1).join(", ")} or ${s[s.length - 1]}`}?`;
  return e.register !== undefined
    ? `\`vfio-plat read DEVICE ${e.register} --decode\` lists its fields`
    : `the names are in map ${e.map} (docs/register-maps.md); or give an offset`;
}
