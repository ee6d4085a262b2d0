// A simulated board is data: the devices it has (by compatible string and model), where they sit (bus, MMIO window,
// interrupts, IOMMU group) and how its kernel was booted. The simulated kernel builds sysfs, the driver core and the
// VFIO side from this description; new device models (PL330, ...) plug in by adding entries.
import type { DeviceContext, DeviceModel, IrqTrigger } from "../devices/device-model.ts";

export interface RegionSpec {
  /** Physical base address of the MMIO window (decides the MMAP flag: base and size page-aligned). */
  base: bigint;
  size: number;
  /** reg-names entry from the device tree, if any. */
  name?: string;
  readOnly?: boolean;
  /** An I/O-port resource: vfio-platform reports flags 0 and refuses access. */
  pio?: boolean;
}

export interface IrqSpec {
  trigger: IrqTrigger;
  /** Hardware interrupt number (GIC SPI), shown in diagnostics. */
  hwirq: number;
}

/** One base address register of a PCI function, as the kernel assigned it at enumeration. */
export interface PciBarSpec {
  /** Bus address the BAR was programmed with (a model choice: QEMU virt's 32-bit window starts at 0x10000000). */
  base: bigint;
  /** Size in bytes (a power of two). */
  size: number;
  kind: "mem32" | "mem64" | "io";
  prefetchable?: boolean;
}

/**
 * The identity and resources of a conventional PCI function (type 0 header): what its configuration space says and
 * what vfio-pci turns into regions and interrupt indexes (see ../pci/config-space.ts).
 */
export interface PciSpec {
  vendor: number;
  device: number;
  subsystemVendor: number;
  subsystemDevice: number;
  revision: number;
  /** 24-bit class code: base class, subclass, programming interface (sysfs `class`). */
  classCode: number;
  /** BAR0..BAR5 by index; undefined for an unimplemented BAR. */
  bars: (PciBarSpec | undefined)[];
  /** Interrupt pin register: 1 = INTA .. 4 = INTD, 0 = no INTx. */
  interruptPin: number;
  /** Vectors of the function's MSI capability (a power of two); absent: no MSI capability. */
  msiVectors?: number;
  /** The MSI capability has 64-bit message addresses. */
  msi64?: boolean;
}

export interface DeviceSpec {
  /** dev_name(): "<unit-address>.<node-name>" ("9010000.pl031"), or the PCI address "0000:00:02.0". */
  name: string;
  bus: "platform" | "amba" | "pci";
  /** DT compatible strings, most specific first ([] for a PCI function without a device-tree node). */
  compatible: string[];
  regions: RegionSpec[];
  irqs: IrqSpec[];
  /** The native Linux driver that matches this device (by `compatible`), or undefined for none. */
  nativeDriver?: string;
  /**
   * The native driver matches but its probe fails with this errno (e.g. "ENODEV": virtio-mmio refuses an empty
   * transport), so the device sits driverless from boot, as the lab's kernel showed.
   */
  nativeProbeError?: string;
  /** IOMMU group number when the board has an IOMMU and the device sits behind it. */
  iommuGroup?: number;
  /**
   * The device joins its IOMMU group only when a driver first probes it (the `iommu_group` link is absent until
   * then). The lab saw this for the edu PCI function on an arm64 DT kernel: DMA (and with it the IOMMU) is configured
   * in really_probe(), so an unbound device has no group; once created, the group stays after unbind.
   */
  iommuGroupAtProbe?: boolean;
  /** PCI configuration of a bus "pci" device: its BARs replace `regions` (left empty); `irqs[0]` is its INTx line. */
  pci?: PciSpec;
  /** AMBA PrimeCell peripheral id (for amba devices), as the bus reads it from the ID registers. */
  periphid?: number;
  /** True when vfio-platform has a reset function for this device (VFIO_DEVICE_FLAGS_RESET). */
  hasReset?: boolean;
  /** The device is the system console (a kernel consumer: binding refuses it unless forced). */
  console?: string;
  /** The device tree marks the device `dma-coherent` (VFIO needs cache-coherent DMA behind an IOMMU). */
  dmaCoherent?: boolean;
  /**
   * The IOMMU in front of this bus master, from the device tree's `iommus`: `smmu` is the dev_name() of one of the
   * board's `smmus` ("7fb00000.iommu"), `streamIds` the master's stream IDs in DT order. A PL330 issues channel n's
   * transactions with streamIds[n] and the manager's with the last one (Juno: [0..8] for 8 channels + manager); any
   * other model's with streamIds[0]. The device gets one IOMMU group of its own holding all its stream IDs.
   */
  iommu?: { smmu: string; streamIds: number[] };
  /**
   * The device's register map, from a board file's `regs`: the absolute path of a map file, or "FILE#/devices/N/regs"
   * (a JSON pointer) for a map written inline in board file FILE. The device tree shows it as the string property
   * `vfio-plat,regs` of the device's node, where the register-map library finds it.
   */
  regs?: string;
  /** Device model factory key (see devices/registry.ts). */
  model: string;
  /** Model-specific build options (e.g. PL330 channel count). */
  modelOptions?: Record<string, unknown>;
}

/**
 * The Arm SMMU in front of a board's bus masters (pl330-smmu.md §2): which kind (decides permission rules and fault
 * syndromes, see iommu/smmu-profile.ts), its device name as the kernel log shows it, and its input address size.
 */
export interface SmmuSpec {
  /**
   * What kind of SMMU, and which translation stage Linux gives a VFIO domain on it (iommu/smmu-profile.ts):
   * SMMUv3 stage 1; MMU-500 (SMMUv2) stage 1; MMU-401 (SMMUv1, 64 KiB granule) stage 1 or stage 2; MMU-400 / generic
   * arm,smmu-v1 stage 1 (AArch32 long-descriptor tables on arm64 too); generic arm,smmu-v2 stage 1; bypass.
   */
  profile: "smmuv3-s1" | "mmu500-s1" | "mmu401-s1" | "mmu401-s2" | "mmu400-s1" | "smmuv2-s1" | "bypass";
  /** dev_name() of the SMMU, e.g. "9050000.smmuv3" on QEMU virt, "7fb00000.iommu" on Juno. */
  name: string;
  /** Input address size in bits (IOVAs at or above 2^ias fault); the profile's default when absent. */
  ias?: number;
  /** The SMMU node's DT compatible strings ("arm,mmu-401", "arm,smmu-v1"), when it came from a device tree. */
  compatible?: string[];
  /** The SMMU's page-table walk is cache coherent (DT `dma-coherent` on the SMMU node): IOMMU_CAP_CACHE_COHERENCY. */
  coherentWalk?: boolean;
}

/**
 * A board's RAM (the device tree's /memory node) and its huge page pool: the physical memory the simulated kernel
 * gives pinned process memory (kernel/physical-memory.ts), which devices without an IOMMU reach by physical address.
 */
export interface MemorySpec {
  /** Physical address of the first byte of RAM. */
  base: bigint;
  /** RAM size in bytes. */
  size: number;
  /** Huge page size in bytes (default: the PMD size of the board's page size, 2 MiB on 4 KiB pages). */
  hugePageSize?: number;
  /** Huge pages reserved at boot (nr_hugepages; default: a quarter of RAM, at most 128). */
  hugePages?: number;
}

export interface BoardSpec {
  /** Board name: "virt", "virt-noiommu", ... */
  name: string;
  description: string;
  /**
   * Kind of IOMMU in front of the devices: an SMMUv3, the ARM SMMU architecture v1/v2 (arm-smmu: MMU-400/401/500), or
   * "none" (binding needs noiommu mode).
   */
  iommu: "smmuv3" | "arm-smmu" | "none";
  /**
   * The SMMU's details when `iommu` is not "none" and `smmus` is absent (an SMMUv3 stage-1 "9050000.smmuv3" when
   * absent too): every device with an `iommuGroup` sits behind it.
   */
  smmu?: SmmuSpec;
  /**
   * Every IOMMU of the board that devices name in `DeviceSpec.iommu`. When present, only such devices sit behind an
   * IOMMU (each in a group of its own), and `smmu` is not used.
   */
  smmus?: SmmuSpec[];
  /** Kernel command line module parameters as booted (e.g. vfio_platform.reset_required=0). */
  cmdline: Record<string, string>;
  /** CPU page size of the simulated kernel (4096 or 65536). */
  pageSize: number;
  /**
   * The kernel has CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV (/dev/iommu, /dev/vfio/devices/vfioN), as the lab's
   * kernel does. Absent means true; false models a kernel with the group path only.
   */
  iommufd?: boolean;
  devices: DeviceSpec[];
  /** RAM and huge page pool; absent: 1 GiB at 0x40000000 (kernel/memory-layout.ts). */
  memory?: MemorySpec;
}

/** Creates a device model instance. */
export type DeviceModelFactory = (spec: DeviceSpec, ctx: DeviceContext) => DeviceModel;
