// The global --iommu-mode option's fallback, VFIO_PLAT_IOMMU_MODE: which way devices are opened — through their group
// and a container, through their cdev and /dev/iommu, or whichever the kernel offers (auto). The option itself is an
// enum of the option table (command-options.ts), checked by the scanner; the variable is checked the same way here.
import type { IommuMode } from "../../vfio/session.ts";
import { IOMMU_MODES } from "../command-options.ts";
import { convertValue } from "./option-kinds.ts";

/**
 * The mode from the option, else the environment, else `auto`. An empty environment variable counts as unset.
 * @throws UsageError (exit 2) naming the variable, the bad value and the accepted values
 */
export function iommuModeOf(option: IommuMode | undefined, env: NodeJS.ProcessEnv = process.env): IommuMode {
  if (option !== undefined) return option;
  const fromEnv = env.VFIO_PLAT_IOMMU_MODE;
  if (fromEnv === undefined || fromEnv === "") return "auto";
  return convertValue({ kind: "enum", choices: IOMMU_MODES }, fromEnv, "VFIO_PLAT_IOMMU_MODE") as IommuMode;
}
