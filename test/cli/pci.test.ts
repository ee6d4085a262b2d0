// The CLI on the PCI bus of the simulated "virt" board, as a user sees it: PCI addresses with or without the domain,
// list with [vendor:device], bind/unbind through vfio-pci (the group appearing with the bind), info naming vfio-pci's
// regions and interrupt indexes, `run`'s dma verbs (including a failed check: exit 8), and `log --smmu`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const EDU = "0000:00:02.0";
let state: { dir: string; dispose: () => void };
let env: Record<string, string>;

beforeAll(() => {
  state = tempSimState();
  env = simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: "virt" });
});
afterAll(() => state.dispose());

function ok(args: string[]) {
  const r = runCli(args, { env });
  if (r.code !== 0) throw new Error(`vfio-plat ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

describe("edu from the command line", () => {
  test("list shows the PCI function with its ids, unbound and without a group; --names lists it too", () => {
    const text = ok(["list"]).stdout;
    const line = text.split("\n").find((l) => l.startsWith(EDU));
    expect(line).toMatch(/^0000:00:02\.0\s+pci\s+\(none\)\s+-\s+-\s+\[1234:11e8\]/);
    const doc = JSON.parse(ok(["list", "--json"]).stdout);
    const d = doc.devices.find((x: { name: string }) => x.name === EDU);
    expect(d).toMatchObject({ bus: "pci", driver: null, iommu_group: null, compatible: [], pci: { vendor: "0x1234", device: "0x11e8", class: "0x00ff00" } });
    expect(doc.devices.find((x: { name: string }) => x.name === "9010000.pl031").pci).toBeUndefined();
    expect(ok(["list", "--names"]).stdout.split("\n")).toContain(EDU);
  });

  test("before bind, a register read says how to bind it (exit 3), naming vfio-pci", () => {
    const r = runCli(["read", "00:02.0", "0:0x0"], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${EDU} is not bound to VFIO`);
    expect(r.stderr).toContain("(to vfio-pci)");
  });

  test("an address that is no device: exit 3 with a suggestion", () => {
    const r = runCli(["info", "00:03.0"], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no device '00:03.0'");
  });

  test("bind by the short address: vfio-pci, group 0, /dev/vfio/0; bound a second time is a notice", () => {
    const r = JSON.parse(ok(["bind", "00:02.0", "--json"]).stdout);
    expect(r).toMatchObject({ device: EDU, outcome: "bound", driver: "vfio-pci", previous_driver: null, iommu_group: 0, group_node: "/dev/vfio/0" });
    const again = runCli(["bind", "0000:00:02.0"], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already bound to vfio-pci (/dev/vfio/0)");
  });

  test("every spelling names it: upper case, the domain, the sysfs path", () => {
    for (const name of ["00:02.0", "0000:00:02.0", "0000:00:02.0".toUpperCase(), "/sys/bus/pci/devices/0000:00:02.0"]) {
      expect(ok(["read", name, "0:0x0"]).stdout).toBe("0x010000ed\n");
    }
  });

  test("info names vfio-pci's regions and interrupt indexes, shows VGA and ERR as unavailable with why, size 0 / count 0 as not implemented", () => {
    const text = ok(["info", "00:02.0"]).stdout;
    expect(text).toStartWith(`${EDU}: vfio-pci, flags 0x00000002 (PCI)\n  IOMMU group 0 (/dev/vfio/0)\n  9 region(s):\n`);
    expect(text).toMatch(/ 0 +BAR0 +size 0x100000 +offset 0x0 +READ\|WRITE\|MMAP +mmap ok/);
    expect(text).toMatch(/ 6 +ROM +size 0x0 +offset 0x60000000000 +none +not implemented\n/);
    expect(text).toMatch(/ 7 +CONFIG +size 0x100 +offset 0x70000000000 +READ\|WRITE/);
    expect(text).toMatch(/ 8 +VGA +unavailable +the function is not a VGA device, or vfio-pci's VGA support is off \(the kernel answers EINVAL\)\n/);
    expect(text).toMatch(/ 0 +INTx +count 1 +level +EVENTFD\|MASKABLE\|AUTOMASKED/);
    expect(text).toMatch(/ 1 +MSI +count 1 +edge +EVENTFD\|NORESIZE/);
    expect(text).toMatch(/ 2 +MSI-X +count 0 +edge +EVENTFD\|NORESIZE +not implemented\n/);
    expect(text).toMatch(/ 3 +ERR +unavailable +error reporting needs a PCI Express function \(the kernel answers EINVAL\)\n/);
    expect(text).toMatch(/ 4 +REQ +count 1/);
  });

  test("regions by name: CONFIG:0x0 is the ids word, BAR0:0x0 the ID register", () => {
    expect(ok(["read", EDU, "CONFIG:0x0"]).stdout).toBe("0x11e81234\n");
    expect(ok(["read", EDU, "BAR0:0x0"]).stdout).toBe("0x010000ed\n");
  });

  test("run's dma verbs: map, fill, DMA in and out, expect; a wrong expectation exits 8 naming the first bad byte", () => {
    const script = [
      "write CONFIG:0x4.w 0x6:0x6",
      "dma map a 8k read",
      "dma map b 4096 write",
      "dma fill a incrementing",
      "write 0:0x80 $a",
      "write 0:0x88 0x40000",
      "write 0:0x90 1024",
      "write 0:0x98 1",
      "sleep 250ms",
      "expect 0:0x98 0:0x1",
      "write 0:0x80 0x40000",
      "write 0:0x88 $b",
      "write 0:0x98 3",
      "sleep 250ms",
      "dma expect b incrementing 0 1024",
      "dma expect b zeros 1024 1024",
      "dma expect b 0x11 0 1024",
    ].join("; ");
    const r = runCli(["run", EDU, "-e", script], { env });
    expect(r.code).toBe(8);
    expect(r.stdout).toMatch(/dma a: 8192 bytes at IOVA 0x[0-9a-f]+ \(read\) = \$a\n/);
    expect(r.stdout).toContain("dma b: incrementing, 1024 bytes at offset 0x0 as expected");
    expect(r.stdout).toContain("dma b: zeros, 1024 bytes at offset 0x400 as expected");
    expect(r.stderr).toContain("line 17: dma b: byte 0x0 is 0x00, expected 0x11 (0x11, 1024 bytes at offset 0x0) MISMATCH");
  });

  test("run --json reports the dma steps as records", () => {
    const r = ok(["run", EDU, "--json", "-e", "dma map x 4096 rw at 0x400000; dma fill x ones; dma expect x ones; dma unmap x"]);
    const recs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(recs.map((x: { type: string }) => x.type)).toEqual(["start", "dma-map", "dma-fill", "dma-expect", "dma-unmap", "end"]);
    expect(recs[1]).toMatchObject({ name: "x", iova: "0x400000", size: 4096, perm: "rw" });
  });

  test("log: the kernel's lines about the bind; --smmu is empty until a DMA faults, then shows event 0x10", () => {
    expect(ok(["log"]).stdout).toMatch(/^\[ *\d+\.\d{6}\] vfio-pci 0000:00:02\.0: Adding to iommu group 0$/m);
    expect(ok(["log", "--smmu"]).stdout).toBe("");
    ok(["run", EDU, "-e", "write 7:0x4.w 0x6:0x6; write 0:0x80 0x700000; write 0:0x88 0x40000; write 0:0x90 64; write 0:0x98 1; sleep 250ms"]);
    const text = ok(["log", "--smmu"]).stdout.split("\n");
    expect(text[0]).toMatch(/^\[ *\d+\.\d{6}\] arm-smmu-v3 9050000\.smmuv3: event 0x10 received:$/);
    expect(text[1]).toMatch(/arm-smmu-v3 9050000\.smmuv3: \t0x0000001000000010$/); // as dmesg prints it
    const doc = JSON.parse(ok(["log", "--smmu", "--json"]).stdout);
    expect(doc.records[3]).toMatchObject({ level: 6, message: "arm-smmu-v3 9050000.smmuv3: \t0x0000000000700000", device: "+platform:9050000.smmuv3" });
  });

  test("unbind gives it back to no driver; the group stays", () => {
    const r = JSON.parse(ok(["unbind", "00:02.0", "--json"]).stdout);
    expect(r).toEqual({ schema: 1, device: EDU, outcome: "unbound", unbound_from: "vfio-pci", driver: null, by_pid: null, recovered: null, persistent_rule_removed: null });
    const d = JSON.parse(ok(["list", "--json"]).stdout).devices.find((x: { name: string }) => x.name === EDU);
    expect(d).toMatchObject({ driver: null, driver_override: null, iommu_group: 0, vfio: false });
  });
});
