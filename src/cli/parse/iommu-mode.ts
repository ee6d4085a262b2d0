// The global --iommu-mode option (and VFIO_PLAT_IOMMU_MODE): which way devices are opened — through their group and a
// container, through their cdev and /dev/iommu, or whichever the kernel offers (auto). Checked before any command runs.
import type { IommuMode } from "../../vfio/session.ts";
import { UsageError } from "../usage-error.ts";

export const IOMMU_MODE_VALUES: readonly IommuMode[] = ["auto", "group", "iommufd"];

/**
 * The mode from the option, else the environment, else `auto`. An empty environment variable counts as unset.
 * @throws UsageError (exit 2) naming the bad value, where it came from, and the accepted values
 */
export function iommuModeOf(option: unknown, env: NodeJS.ProcessEnv = process.env): IommuMode {
  const fromEnv = env.VFIO_PLAT_IOMMU_MODE;
  const [value, where] =
    option !== undefined ? [option, "--iommu-mode"] : fromEnv !== undefined && fromEnv !== "" ? [fromEnv, "VFIO_PLAT_IOMMU_MODE"] : ["auto", ""];
  if (typeof value === "string" && (IOMMU_MODE_VALUES as readonly string[]).includes(value)) return value as IommuMode;
  const shown = value === true ? "nothing" : `'${String(value)}'`;
  throw new UsageError(`${where} must be ${IOMMU_MODE_VALUES.join(", ")} (got ${shown})`, "for example: --iommu-mode iommufd");
}
