// A noiommu DMA buffer on the real kernel: the library pins memory (huge pages from the profile's hugepages= pool)
// and reads its physical address from /proc/self/pagemap, through `run`'s `dma map` on the PL031 bound to vfio-amba
// in noiommu mode. The host checks the addresses are non-zero, inside the guest's RAM (QEMU virt: from 0x40000000,
// `-m 2048`), distinct, in huge pages, and that the data written through the program's view reads back.
import type { StepRecord } from "../protocol.ts";
import type { Check, LabScenario } from "./lab-scenario.ts";

const RTC = "9010000.pl031";
const RAM_BASE = 0x4000_0000n;
const RAM_END = RAM_BASE + 2048n * 1024n * 1024n;

type Obj = Record<string, unknown>;
const records = (r: StepRecord): Obj[] => r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Obj);

const exit0: Check = (r) => (r.exit === 0 ? undefined : `exit ${r.exit}; stderr: ${r.stderr.trim().slice(0, 400)}`);

/** Two buffers mapped, both physical, in huge pages, in RAM, apart; the fill read back; the script ran to its end. */
const pinnedInRam: Check = (r, backend) => {
  const bad = exit0(r, backend);
  if (bad) return bad;
  const recs = records(r);
  const maps = recs.filter((x) => x.type === "dma-map");
  if (maps.length !== 2) return `want 2 dma-map records, got ${maps.length}: ${r.stdout.slice(0, 300)}`;
  const pas: bigint[] = [];
  for (const m of maps) {
    if (m.physical !== true) return `${String(m.name)}: not a physical address (${JSON.stringify(m)})`;
    if (m.pages !== "huge") return `${String(m.name)}: pinned in ${String(m.pages)} pages, want huge (the hugepages= pool); stderr: ${r.stderr.trim()}`;
    const pa = BigInt(String(m.iova));
    if (pa === 0n) return `${String(m.name)}: physical address 0 (pagemap hid the PFN?)`;
    if (pa < RAM_BASE || pa + BigInt(Number(m.size)) > RAM_END) return `${String(m.name)}: 0x${pa.toString(16)} is outside RAM 0x${RAM_BASE.toString(16)}-0x${RAM_END.toString(16)}`;
    pas.push(pa);
  }
  if (pas[0] === pas[1]) return `both buffers at 0x${pas[0]!.toString(16)}`;
  if (!recs.some((x) => x.type === "dma-expect")) return "no dma-expect record (the fill did not read back)";
  const end = recs.at(-1);
  return end?.type === "end" && end.reason === "done" ? undefined : `script ended ${JSON.stringify(end)}`;
};

export const noiommuPinned: LabScenario = {
  name: "noiommu-pinned",
  profile: "noiommu",
  simBoard: "virt-noiommu",
  steps: [
    { kind: "shell", name: "huge page pool", command: "grep -E '^(HugePages_(Total|Free)|Hugepagesize):' /proc/meminfo", check: (r, b) => (b === "real" && !/HugePages_Free:\s+[1-9]/.test(r.stdout) ? `no free huge pages: ${r.stdout}` : undefined) },
    { kind: "cli", name: `bind ${RTC}`, args: ["bind", RTC], check: exit0 },
    {
      kind: "cli",
      name: "dma map two pinned buffers at their physical addresses",
      args: ["--json", "run", RTC, "-e", "dma map a 64k; dma fill a incrementing; dma expect a incrementing 0 0x10000; dma map b 4k read"],
      check: pinnedInRam,
    },
    { kind: "cli", name: `unbind ${RTC}`, args: ["unbind", RTC], check: exit0 },
  ],
};
