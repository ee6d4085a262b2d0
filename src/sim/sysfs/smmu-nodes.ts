// The SMMUs in the simulated sysfs, as far as user space can see which IOMMU a device sits behind: a master's `iommu`
// link (iommu_device_link: to the SMMU's iommu class device, "smmu.0x<base>" for arm-smmu, "smmu3.0x<base>" for
// arm-smmu-v3), its of_node `iommus` (big-endian <phandle stream-id> cells, as the DT holds them), and the SMMU's own
// of_node (compatible, phandle, #iommu-cells, dma-coherent). The SMMU's platform device is not listed in readdir.
import type { BoardSpec, DeviceSpec, SmmuSpec } from "../boards/board-spec.ts";
import { DEFAULT_SMMU, smmuNameOf, SMMU_PROFILES } from "../iommu/smmu-profile.ts";
import type { Node } from "./fs-node.ts";

/** Every SMMU of the board with the phandle its node gets here (a model choice: its index + 1). */
function smmuSpecs(board: BoardSpec): SmmuSpec[] {
  if (board.iommu === "none") return [];
  return board.smmus ?? [board.smmu ?? DEFAULT_SMMU];
}

/** Big-endian 32-bit cells as the bytes of a string (sysfs property files are raw DT bytes). */
function cells(values: number[]): string {
  let out = "";
  for (const v of values) out += String.fromCharCode((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  return out;
}

/** "smmu.0x000000007fb00000": the iommu class device name the driver registers (base address from the dev_name). */
function classDeviceName(spec: SmmuSpec): string {
  const base = /^([0-9a-f]+)\./.exec(spec.name)?.[1] ?? "0";
  const prefix = SMMU_PROFILES[spec.profile]?.driver === "arm-smmu-v3" ? "smmu3" : "smmu";
  return `${prefix}.0x${base.padStart(16, "0")}`;
}

/** The `iommu` link of device `d` (relative to /sys/devices/platform/<d>), or undefined when no SMMU is in front of it. */
export function iommuLink(board: BoardSpec, d: DeviceSpec): Node | undefined {
  const name = smmuNameOf(board, d);
  const spec = smmuSpecs(board).find((s) => s.name === name);
  if (!spec || d.iommuGroup === undefined) return undefined;
  // sysfs links are relative to the closest common ancestor: both live in /sys/devices/platform here.
  return { kind: "link", target: `../${spec.name}/iommu/${classDeviceName(spec)}` };
}

/** of_node/iommus of a device with DT stream IDs: one <phandle sid> pair per stream ID. */
export function ofIommus(board: BoardSpec, d: DeviceSpec): Node | undefined {
  if (!d.iommu) return undefined;
  const phandle = smmuSpecs(board).findIndex((s) => s.name === d.iommu!.smmu) + 1;
  if (phandle === 0) return undefined;
  const text = cells(d.iommu.streamIds.flatMap((sid) => [phandle, sid]));
  return { kind: "file", mode: 0o444, read: () => text };
}

/** /sys/devices/platform/<smmu>[/rest]: the SMMU's device directory, as far as its of_node goes. */
export function smmuNode(board: BoardSpec, name: string, rest: string | undefined): Node | undefined {
  const i = smmuSpecs(board).findIndex((s) => s.name === name);
  if (i < 0) return undefined;
  const spec = smmuSpecs(board)[i]!;
  const compatible = spec.compatible ?? [];
  const file = (text: string): Node => ({ kind: "file", mode: 0o444, read: () => text });
  switch (rest ?? "") {
    case "":
      return { kind: "dir", entries: () => ["iommu", "of_node"] };
    case "iommu":
      return { kind: "dir", entries: () => [classDeviceName(spec)] };
    case "of_node":
      return { kind: "dir", entries: () => ["#iommu-cells", "compatible", "name", "phandle", ...(spec.coherentWalk ? ["dma-coherent"] : [])] };
    case "of_node/#iommu-cells":
      return file(cells([1]));
    case "of_node/phandle":
      return file(cells([i + 1]));
    case "of_node/compatible":
      return file(compatible.map((c) => `${c}\0`).join(""));
    case "of_node/name":
      return file(`${spec.name.slice(spec.name.indexOf(".") + 1)}\0`);
    case "of_node/dma-coherent":
      return spec.coherentWalk ? file("") : undefined;
    default:
      return undefined;
  }
}
