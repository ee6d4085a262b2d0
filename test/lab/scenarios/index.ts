// Every lab scenario by name, for the guest runner (`vfio_plat_lab.scenario=NAME` on the kernel command line) and
// the host-side test.
import { bootUdev } from "./boot-udev.ts";
import { dtBoard } from "./dt-board.ts";
import { firstLight } from "./first-light.ts";
import type { LabScenario } from "./lab-scenario.ts";
import { noiommuPinned } from "./noiommu-pinned.ts";
import { smmuv3Smoke } from "./smmuv3-smoke.ts";

export const LAB_SCENARIOS: Record<string, LabScenario> = {
  // First: it checks what the boot's udev coldplug did, before any other scenario binds or unbinds.
  [bootUdev.name]: bootUdev,
  [firstLight.name]: firstLight,
  [smmuv3Smoke.name]: smmuv3Smoke,
  [dtBoard.name]: dtBoard,
  [noiommuPinned.name]: noiommuPinned,
};
