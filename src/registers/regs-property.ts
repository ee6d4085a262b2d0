// The device-tree property through which a device's description names its register map: a string holding the
// absolute path of a map file, or "FILE#/json/pointer" for a map written inline in a JSON file (a board file). The
// simulated board shows a board file's `regs` this way; a real device tree may carry it too.

/** The property's name in a device node (of_node/vfio-plat,regs in sysfs). */
export const REGS_PROPERTY = "vfio-plat,regs";
