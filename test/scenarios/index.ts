// Every scenario, for the simulated run (test/scenarios/sim.test.ts) and the lab's guest runner.
import { eduIommufd } from "./edu-iommufd.scenario.ts";
import { eduSmmuv3 } from "./edu-smmuv3.scenario.ts";
import { errnoParityNoiommu, errnoParitySmmuv3 } from "./errno-parity.scenario.ts";
import { persistBind, udevAccessSmmuv3 } from "./persist-bind.scenario.ts";
import { groupBindNoiommu, groupBindSmmuv3 } from "./group-bind.scenario.ts";
import { pl031Noiommu } from "./pl031-noiommu.scenario.ts";
import { pl031Virqfd } from "./pl031-virqfd.scenario.ts";
import type { Scenario } from "./scenario.ts";
import { physEduSmmuv3, physPl031Noiommu } from "./phys-address.scenario.ts";
import { virtioMmioNoiommu } from "./virtio-mmio-noiommu.scenario.ts";
import { virtioBlkNoiommu } from "./virtio-blk-noiommu.scenario.ts";

export const SCENARIOS: Scenario[] = [pl031Noiommu, pl031Virqfd, virtioMmioNoiommu, eduSmmuv3, errnoParityNoiommu, errnoParitySmmuv3, eduIommufd, virtioBlkNoiommu, groupBindNoiommu, groupBindSmmuv3, persistBind, udevAccessSmmuv3, physPl031Noiommu, physEduSmmuv3];
