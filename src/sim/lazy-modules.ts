// The simulator's parts that a process may never use, loaded (a synchronous require, once) the first time it does:
// each file kind (a group-path open never evaluates the iommufd emulation, a cdev open never the type1 container), vfio-pci
// and the PCI core (a platform device needs neither), poll, /dev/kmsg and pagemap. Every module a short CLI run loads
// costs it start-up time and memory (docs/performance.md, "Issue 16: the simulated board").
type CdevFile = typeof import("./vfio/cdev-file.ts");
type ContainerFile = typeof import("./vfio/container-file.ts");
type GroupFile = typeof import("./vfio/group-file.ts");
type IommufdFile = typeof import("./vfio/iommufd-file.ts");
type Pagemap = typeof import("./kernel/pagemap.ts");
type KmsgFile = typeof import("./kernel/kmsg-file.ts");
type SimPoll = typeof import("./kernel/sim-poll.ts");
type VfioPciIoctls = typeof import("./vfio/vfio-pci-ioctls.ts");
type VfioPciDevice = typeof import("./vfio/vfio-pci-device.ts");
type VfioPciIrqs = typeof import("./vfio/vfio-pci-irqs.ts");
type PciFunction = typeof import("./pci/pci-function.ts");

/** A loader that requires its module on the first call and hands out the same module after. */
function once<T>(load: () => T): () => T {
  let m: T | undefined;
  return () => (m ??= load());
}

export const cdevFile = once(() => require("./vfio/cdev-file.ts") as CdevFile);
export const containerFile = once(() => require("./vfio/container-file.ts") as ContainerFile);
export const groupFile = once(() => require("./vfio/group-file.ts") as GroupFile);
export const iommufdFile = once(() => require("./vfio/iommufd-file.ts") as IommufdFile);
export const pagemapFile = once(() => require("./kernel/pagemap.ts") as Pagemap);
export const kmsgFile = once(() => require("./kernel/kmsg-file.ts") as KmsgFile);
export const simPollModule = once(() => require("./kernel/sim-poll.ts") as SimPoll);
export const vfioPciIoctls = once(() => require("./vfio/vfio-pci-ioctls.ts") as VfioPciIoctls);
export const vfioPciDevice = once(() => require("./vfio/vfio-pci-device.ts") as VfioPciDevice);
export const vfioPciIrqs = once(() => require("./vfio/vfio-pci-irqs.ts") as VfioPciIrqs);
export const pciFunction = once(() => require("./pci/pci-function.ts") as PciFunction);
