// Bad-input rows: dma-test. See ../bad-input-cases.ts for the fields and the shared board (the PL330 is not bound
// there: a row that needs it bound brings its own board with `bindDmac`).
import type { BadInputCase } from "../bad-input-cases.ts";
import { runCli, simEnv } from "../../helpers/cli.ts";
import { PL031, VIRTIO } from "./devices.ts";

const DMA = "2c0a0000.dma";

/** setup: make the case's own board virt-noiommu (sim-reset) and bind its PL330 (a noiommu group). */
export function bindNoiommuDmac(stateDir: string): void {
  const env = simEnv(stateDir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu" });
  for (const args of [["sim-reset"], ["bind", DMA]]) {
    const r = runCli(args, { env });
    if (r.code !== 0) throw new Error(`setup ${args.join(" ")} on virt-noiommu failed: ${r.stderr}`);
  }
}

/** setup: bind the PL330 to vfio-amba on the case's own board. */
function bindDmac(stateDir: string): void {
  const r = runCli(["bind", DMA], { env: simEnv(stateDir) });
  if (r.code !== 0) throw new Error(`setup bind ${DMA} failed: ${r.stderr}`);
}

export const DMA_TEST: BadInputCase[] = [
  { args: ["dma-test"], exit: 2, says: "dma-test", why: "dma-test without a device" },
  { args: ["dma-test", DMA], exit: 3, says: `${DMA} is not bound to VFIO`, why: "the PL330 is still on its kernel driver" },
  { args: ["dma-test", "nosuch.dev"], exit: 3, says: "no device 'nosuch.dev'", why: "dma-test on a device the board does not have" },
  { args: ["dma-test", PL031], exit: 6, says: `${PL031} is not a PL330 DMA controller`, why: "dma-test on a bound device that is not a DMAC (an RTC)" },
  { args: ["dma-test", VIRTIO], exit: 6, says: `${VIRTIO} is not a PL330 DMA controller`, why: "dma-test on a bound virtio-mmio transport" },
  { args: ["dma-test", DMA, "--size", "0"], exit: 2, says: "invalid --size '0'", why: "a copy of nothing" },
  { args: ["dma-test", DMA, "--size", "2G"], exit: 2, says: "invalid --size '2G': out of range", why: "a copy beyond 1 GiB (source and destination must fit the PL330's 4 GiB)" },
  { args: ["dma-test", DMA, "--size", "64Q"], exit: 2, says: "invalid --size '64Q'", why: "a size with an unknown suffix" },
  { args: ["dma-test", DMA, "--size", "1e3"], exit: 2, says: "invalid --size '1e3'", why: "a size in exponent notation" },
  { args: ["dma-test", DMA, "--iterations", "0"], exit: 2, says: "invalid --iterations '0'", why: "zero copies" },
  { args: ["dma-test", DMA, "--iterations", "1000001"], exit: 2, says: "invalid --iterations '1000001': out of range", why: "more copies than dma-test runs" },
  { args: ["dma-test", DMA, "--channel", "8"], exit: 2, says: "invalid --channel '8'", why: "a channel no PL330 has (0..7)" },
  { args: ["dma-test", DMA, "--pattern", "stripes"], exit: 2, says: "invalid --pattern 'stripes'", why: "an unknown data pattern" },
  { args: ["dma-test", DMA, "--pattern", "0x1ff"], exit: 2, says: "invalid --pattern '0x1ff'", why: "a pattern byte wider than a byte" },
  { args: ["dma-test", DMA, "--inject", "everything"], exit: 2, says: "invalid --inject 'everything'", why: "an unknown injection" },
  { args: ["dma-test", DMA, "--timeout", "0"], exit: 2, says: "invalid --timeout '0'", why: "a zero stall timeout" },
  { args: ["dma-test", DMA, "--timeout", "5x"], exit: 2, says: "invalid --timeout '5x'", why: "a timeout with an unknown unit" },
  {
    args: ["dma-test", DMA, "--size", "1", "--inject", "short-copy"],
    exit: 2,
    says: "--inject short-copy needs at least 2 bytes to copy",
    why: "a one-byte copy cannot be made short (PL330 bound)",
    setup: bindDmac,
  },
  {
    args: ["dma-test", DMA, "--size", "4k", "--inject", "readonly-dst"],
    exit: 2,
    says: "--inject readonly-dst needs an IOMMU to fault the access",
    why: "an injection the IOMMU must enforce, on a PL330 in a noiommu container (virt-noiommu)",
    env: { VFIO_PLAT_SIM_BOARD: "virt-noiommu" },
    setup: bindNoiommuDmac,
  },
  {
    args: ["dma-test", DMA, "--size", "4k"],
    exit: 4,
    says: "/proc/self/pagemap hides the physical address of",
    why: "noiommu DMA without CAP_SYS_ADMIN: pagemap reads PFNs as 0 (VFIO_PLAT_SIM_CAP_SYS_ADMIN=0), the hint says run as root",
    env: { VFIO_PLAT_SIM_BOARD: "virt-noiommu", VFIO_PLAT_SIM_CAP_SYS_ADMIN: "0" },
    setup: bindNoiommuDmac,
  },
];
