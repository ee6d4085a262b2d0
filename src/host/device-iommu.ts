// Which IOMMU a device sits behind and with which stream IDs, read from sysfs as a real kernel shows it: the device's
// `iommu` link (to the SMMU's iommu class device, under the SMMU's own device directory), its of_node `iommus`
// property (big-endian <phandle id...> cells, #iommu-cells of the SMMU's node per entry) and the SMMU's of_node
// (`dma-coherent`: a coherent table walk, all of arm-smmu-v3's IOMMU_CAP_CACHE_COHERENCY rule, half of arm-smmu's).
import { posix } from "node:path";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { isSyscallError } from "../boundary/syscall-error.ts";

export interface DeviceIommu {
  /** dev_name() of the IOMMU ("7fb00000.iommu"). */
  name: string;
  /** The IOMMU's device directory in sysfs. */
  sysfsPath: string;
  /** The master's stream IDs for this IOMMU in DT order ([] when the device tree does not say). */
  streamIds: number[];
  /** The IOMMU's node is `dma-coherent` (its page-table walk is cache coherent). */
  coherentWalk: boolean;
  /**
   * The driver's family, from the iommu class device it registers ("smmu3.0x…": arm-smmu-v3, "smmu.0x…": arm-smmu):
   * arm-smmu-v3 reports cache coherency from the SMMU alone, arm-smmu from the SMMU or the device.
   */
  driver: "arm-smmu-v3" | "arm-smmu" | "other";
}

function tryRead<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (isSyscallError(e, "ENOENT", "EINVAL", "ENOTDIR")) return undefined;
    throw e;
  }
}

/**
 * A device-tree property as 32-bit big-endian cells (sysfs property files hold the raw bytes), or undefined when the
 * text cannot be those bytes: a boundary that decodes files as UTF-8 turns bytes >= 0x80 into other characters
 * (U+FFFD, or one character for two bytes), and guessing would name wrong stream IDs.
 */
export function beCells(text: string): number[] | undefined {
  if (text.length % 4 !== 0 || /[^\x00-\xff]/.test(text)) return undefined;
  const out: number[] = [];
  for (let i = 0; i + 4 <= text.length; i += 4) {
    out.push(((text.charCodeAt(i) & 0xff) * 0x1000000 + ((text.charCodeAt(i + 1) & 0xff) << 16)) + ((text.charCodeAt(i + 2) & 0xff) << 8) + (text.charCodeAt(i + 3) & 0xff));
  }
  return out;
}

/**
 * The IOMMU in front of the device whose sysfs directory is `dir`, or undefined when it has none (no `iommu` link).
 * @throws SyscallError other than ENOENT/EINVAL/ENOTDIR (permission problems)
 */
export function deviceIommu(b: KernelBoundary, dir: string): DeviceIommu | undefined {
  const target = tryRead(() => b.fs.readlink(`${dir}/iommu`));
  if (target === undefined) return undefined;
  // Link targets are relative to the device's real directory (/sys/bus/<bus>/devices/<name> is itself a link).
  const real = posix.resolve(posix.dirname(dir), tryRead(() => b.fs.readlink(dir)) ?? posix.basename(dir));
  const smmuDir = posix.resolve(real, target, "../..");
  const cellsOf = (p: string) => beCells(tryRead(() => b.fs.readFile(p)) ?? "");
  const perEntry = cellsOf(`${smmuDir}/of_node/#iommu-cells`)?.[0] ?? 1;
  const phandle = cellsOf(`${smmuDir}/of_node/phandle`)?.[0];
  // Unreadable as bytes: the stream IDs stay unknown ([]) rather than wrong.
  const raw = cellsOf(`${dir}/of_node/iommus`) ?? [];
  const streamIds: number[] = [];
  for (let i = 0; perEntry >= 1 && i + perEntry < raw.length; i += perEntry + 1) {
    if (phandle === undefined || raw[i] === phandle) streamIds.push(raw[i + 1]! & 0xffff);
  }
  const cls = posix.basename(target);
  const driver = cls.startsWith("smmu3.") ? "arm-smmu-v3" : cls.startsWith("smmu.") ? "arm-smmu" : "other";
  return { name: posix.basename(smmuDir), sysfsPath: smmuDir, streamIds, coherentWalk: b.fs.exists(`${smmuDir}/of_node/dma-coherent`), driver };
}
