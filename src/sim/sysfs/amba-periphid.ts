// Whether the amba bus can identify a device (drivers/amba/bus.c, amba_match): a device without a forced
// `arm,primecell-periphid` has its PeriphID/PCellID read from the last 32 bytes of its resource at match time; when the
// component ID is not a PrimeCell's (0xb105f00d) or CoreSight's (0xb105900d), or the periphid reads 0, the match
// returns -EPROBE_DEFER, so drivers_probe binds nothing (not even vfio-amba through driver_override).
import type { DeviceSpec } from "../boards/board-spec.ts";
type GenericMmio = typeof import("../devices/generic-mmio.ts");

const AMBA_CID = 0xb105f00d;
const CORESIGHT_CID = 0xb105900d;

/**
 * The byte a read of region 0 at `offset` returns right after reset on the generic model: a described register's
 * reset value (zero for a write-only one), else zero.
 */
function genericResetByte(spec: DeviceSpec, offset: number): number {
  // Only a generic-model device gets here: the model's module is loaded then (a synchronous require), not with sysfs.
  const { genericMmioRegisters } = require("../devices/generic-mmio.ts") as GenericMmio;
  const regs = genericMmioRegisters(spec.modelOptions, spec.regions.map((g) => g.size));
  for (const reg of regs) {
    if (reg.region !== 0 || offset < reg.offset || offset >= reg.offset + reg.bits / 8) continue;
    return reg.access === "wo" ? 0 : Number((reg.reset >> BigInt(8 * (offset - reg.offset))) & 0xffn);
  }
  return 0;
}

/**
 * The periphid the amba bus holds for `spec`: a forced (non-zero) one; for a generic-model device the one its ID
 * registers give (as the board's reset values make them), 0 when they hold no PrimeCell or CoreSight component ID;
 * for the other models the spec's (they answer their own IDs).
 */
export function ambaPeriphidOf(spec: DeviceSpec): number {
  if (spec.periphid || spec.model !== "generic-mmio") return spec.periphid ?? 0;
  const size = spec.regions[0]?.size ?? 0;
  if (size < 0x20) return 0;
  let pid = 0;
  let cid = 0;
  for (let i = 0; i < 4; i++) {
    pid |= genericResetByte(spec, size - 0x20 + 4 * i) << (8 * i);
    cid |= genericResetByte(spec, size - 0x10 + 4 * i) << (8 * i);
  }
  cid >>>= 0;
  return cid === AMBA_CID || cid === CORESIGHT_CID ? pid >>> 0 : 0;
}

/**
 * True when amba_match defers every driver for `spec`: an AMBA device on the generic model whose periphid is 0 (none
 * given and none in its ID registers). The built-in models (PL330, PL031, PL011) and users' models answer their own
 * IDs, so they are identified.
 */
export function ambaMatchDefers(spec: DeviceSpec): boolean {
  return spec.bus === "amba" && spec.model === "generic-mmio" && ambaPeriphidOf(spec) === 0;
}
