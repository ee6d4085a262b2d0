// Who each built-in register map is for: its name and the device-tree compatibles or PCI ID that select it. Data only,
// so finding a device's map (builtin/index.ts) loads just that map's module: the tables themselves are large, and
// building all of them cost a one-shot CLI call more than the call's own work.

export const PL330_IDENTITY = { name: "pl330", compatible: ["arm,pl330"] } as const;
export const PL031_IDENTITY = { name: "pl031", compatible: ["arm,pl031"] } as const;
export const PL011_IDENTITY = { name: "pl011", compatible: ["arm,pl011"] } as const;
/** Every virtio-mmio layout (legacy and modern, with or without the virtio-blk configuration space). */
export const VIRTIO_MMIO_COMPATIBLE = ["virtio,mmio"] as const;
export const EDU_IDENTITY = { name: "edu" } as const;
export const PCI_CONFIG_IDENTITY = { name: "pci-config" } as const;

/** PCI vendor and device ID of edu. */
export const EDU_PCI_ID = { vendor: 0x1234, device: 0x11e8 } as const;

/** A virtio-mmio layout's map name: `virtio-mmio-v<version>[-blk]`. */
export function virtioMmioMapName(version: 1 | 2, blk: boolean): string {
  return `virtio-mmio-v${version}${blk ? "-blk" : ""}`;
}
