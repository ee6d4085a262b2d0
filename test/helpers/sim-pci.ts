// Helpers for the PCI tests: the "virt" board on a manual clock (edu's DMA completes 100 ms after its command, so the
// tests move time instead of sleeping), binding edu to vfio-pci through sysfs, and bare calls on its device fd
// (config space and BAR0 through pread/pwrite at index << 40), so the tests see what a C program would.
import type { Fd } from "../../src/boundary/kernel-boundary.ts";
import { O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { SimBoundary } from "../../src/sim/sim-boundary.ts";
import { VFIO_TYPE1v2_IOMMU, regionOffset } from "../../src/vfio/abi/constants.ts";
import { CONTAINER_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { getDeviceFd, setContainer } from "./sim-kernel.ts";
import { makeClockedBoard, type ClockedBoard } from "./sim.ts";

export const EDU = "0000:00:02.0";
export const EDU_DIR = `/sys/bus/pci/devices/${EDU}`;
export const CONFIG = regionOffset(7);

export type PciRig = ClockedBoard;

/** The "virt" board (or `board`) in a private state directory, real OS primitives, a manual clock. */
export function makePciRig(board: BoardSpec = VIRT): PciRig {
  return makeClockedBoard(board, 5_000_000, "vfio-plat-pci-");
}

/** driver_override = vfio-pci, then drivers_probe, as a shell user binds a PCI function. */
export function bindEdu(sim: SimBoundary, driver = "vfio-pci"): void {
  sim.fs.writeFile(`${EDU_DIR}/driver_override`, `${driver}\n`);
  sim.fs.writeFile("/sys/bus/pci/drivers_probe", EDU);
}

export interface EduSession {
  container: Fd;
  group: Fd;
  device: Fd;
  close(): void;
}

/** Container + /dev/vfio/0, type1v2, and edu's device fd. */
export function openEdu(sim: SimBoundary): EduSession {
  const container = sim.open("/dev/vfio/vfio", O_RDWR);
  const group = sim.open("/dev/vfio/0", O_RDWR);
  setContainer(sim, group, container);
  sim.ioctl(container, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
  const device = getDeviceFd(sim, group, EDU);
  return {
    container,
    group,
    device,
    close() {
      sim.close(device);
      sim.close(group);
      sim.close(container);
    },
  };
}

/** pread of `width` bytes at `offset` as a little-endian number (bigint for 8 bytes). */
export function rd(sim: SimBoundary, fd: Fd, offset: number, width: 1 | 2 | 4 | 8): bigint {
  const buf = new Uint8Array(width);
  const n = sim.pread(fd, buf, offset);
  if (n !== width) throw new Error(`short pread: ${n}`);
  let v = 0n;
  for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[i]!);
  return v;
}

/** pwrite of `width` bytes of `value` at `offset`. */
export function wr(sim: SimBoundary, fd: Fd, offset: number, width: 1 | 2 | 4 | 8, value: bigint | number): void {
  const buf = new Uint8Array(width);
  let v = BigInt(value);
  for (let i = 0; i < width; i++) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const n = sim.pwrite(fd, buf, offset);
  if (n !== width) throw new Error(`short pwrite: ${n}`);
}
