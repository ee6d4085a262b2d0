// A platform device doing real DMA without an IOMMU: the virtio-blk disk QEMU plugs into virt's first free virtio-mmio
// transport (the highest, a003e00: transport 31), taken from the kernel's virtio-mmio driver, bound to vfio-platform in
// noiommu mode and driven from user space by blk-test — the rings and the data at physical addresses, completions on
// the transport's edge interrupt. The host then finds the pattern in the disk image (test/lab/lab.test.ts for the
// real disk, test/scenarios/sim.test.ts for the simulated one): BLK_TEST_WRITES says what must be there.
import { json, jsonHas, type Scenario } from "./scenario.ts";

/** The transport the disk lands on: QEMU fills virt's transports from the highest address down. */
export const BLK_DEV = "a003e00.virtio_mmio";

/** The disk's size in sectors: the lab's 8 MiB image, and the simulated board's default disk. */
export const BLK_SECTORS = 16384;

/** The ranges the scenario writes, with their seeds: the pattern (src/cli/blk-test/pattern.ts) must be on the disk. */
export const BLK_TEST_WRITES = [
  { sector: 2048, count: 256, seed: 13 },
  { sector: 0, count: 8, seed: 1 },
] as const;

const [big, small] = BLK_TEST_WRITES;

export const virtioBlkNoiommu: Scenario = {
  name: "virtio-blk via vfio-platform (noiommu)",
  profile: "noiommu",
  steps: [
    {
      kind: "command",
      name: "bind takes the disk's transport from virtio-mmio",
      args: ["bind", BLK_DEV, "--json"],
      exit: 0,
      check: jsonHas({ outcome: "bound", driver: "vfio-platform", previous_driver: "virtio-mmio" }),
    },
    { kind: "command", name: "magic", args: ["read", BLK_DEV, "0:0x0.l"], exit: 0, stdout: "0x74726976\n" },
    { kind: "command", name: "legacy transport", args: ["read", BLK_DEV, "0:0x4.l"], exit: 0, stdout: "0x00000001\n" },
    { kind: "command", name: "a block device is plugged in", args: ["read", BLK_DEV, "0:0x8.l"], exit: 0, stdout: "0x00000002\n" },
    { kind: "command", name: "no sector named: refused before anything is written", args: ["blk-test", BLK_DEV], exit: 2, stderr: "name them with --sector" },
    {
      kind: "command",
      name: "a range past the end of the disk: refused",
      args: ["blk-test", BLK_DEV, "--sector", String(BLK_SECTORS - 4), "--count", "8"],
      exit: 2,
      stderr: `it has ${BLK_SECTORS} sectors`,
    },
    {
      kind: "command",
      name: "write, read back and verify 128 KiB in 16 KiB requests",
      args: ["blk-test", BLK_DEV, "--sector", String(big.sector), "--count", String(big.count), "--seed", String(big.seed), "--request-size", "16k", "--json"],
      exit: 0,
      check: (r) => {
        const d = json<{ verified?: boolean; bytes?: number; requests?: { write: number; read: number }; transport?: { version: number; noiommu: boolean }; disk?: { capacity_sectors: number } }>(r);
        const want = { verified: true, bytes: big.count * 512, requests: { write: 8, read: 8 }, version: 1, noiommu: true, capacity: BLK_SECTORS };
        const got = { verified: d.verified, bytes: d.bytes, requests: d.requests && { write: d.requests.write, read: d.requests.read }, version: d.transport?.version, noiommu: d.transport?.noiommu, capacity: d.disk?.capacity_sectors };
        return JSON.stringify(got) === JSON.stringify(want) ? undefined : `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
      },
    },
    {
      kind: "command",
      name: "the first sectors, in words",
      args: ["blk-test", BLK_DEV, "--sector", String(small.sector), "--count", String(small.count), "--seed", String(small.seed)],
      exit: 0,
      stdout: /legacy transport \(Version 1\), 16384 sectors[^\n]*\(noiommu: physical addresses\)\nwrote 4096 bytes to sectors 0\.\.7 in 1 request[^\n]*\nread back in 1 request[^\n]*verified 4096 bytes \(seed 1\)\n/,
    },
    { kind: "command", name: "unbind gives the transport back to virtio-mmio", args: ["unbind", BLK_DEV, "--json"], exit: 0, check: jsonHas({ unbound_from: "vfio-platform", driver: "virtio-mmio" }) },
  ],
};
