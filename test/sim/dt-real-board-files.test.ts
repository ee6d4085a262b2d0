// Board files over the real DTBs (docs/board-files.md): every Juno and RK3399 board the kernel tree builds, and QEMU's
// dumpdtb, exports to a board file that loads back to the same board (so the board file's name pattern accepts every
// DT node name Linux makes of them, and every knob the tree sets); a file `from` juno-r2.dtb changes its PL330.
// Runs where the DTBs are (CI builds them: scripts/boards/dtbs.ts); dt-real-boards.test.ts fails CI if they are not.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boardFileText } from "../../src/sim/boards/board-file/export-board-file.ts";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import { builtDtbDir, dtbToolsPresent, ensureDtbs, listDtbs, QEMU_VIRT_DTB } from "../../scripts/boards/dtbs.ts";

const available = builtDtbDir() !== undefined || dtbToolsPresent();
const tmp = mkdtempSync(join(tmpdir(), "vfio-plat-dt-files-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dir = "";

describe.skipIf(!available)("board files of the real DTBs (a skip means no linux-source-6.12, cpp, dtc or QEMU here)", () => {
  beforeAll(() => {
    dir = ensureDtbs();
  }, 600_000);

  test("every Juno and RK3399 DTB and QEMU's dumpdtb: export -> load gives the same board, export again the same text", () => {
    const files = [
      ...listDtbs(dir, "arm").filter((f) => /\/juno[^/]*\.dtb$/.test(f)),
      ...listDtbs(dir, "rockchip").filter((f) => /\/rk3399[^/]*\.dtb$/.test(f)),
      join(dir, QEMU_VIRT_DTB),
    ];
    expect(files.length).toBeGreaterThanOrEqual(47);
    const names = new Set<string>();
    files.forEach((f, i) => {
      const spec = boardSpecOf(f);
      for (const d of spec.devices) names.add(d.name);
      const text = boardFileText(spec);
      const path = join(tmp, `rt${i}.json`);
      writeFileSync(path, text);
      const loaded = boardSpecOf(path);
      expect(loaded, f).toEqual(spec);
      expect(boardFileText(loaded), f).toBe(text);
    });
    // The names the file had to accept include Linux's odd ones: a bus without reg, a register-bit LED's mask bit,
    // a nested bus path.
    for (const odd of ["bus@8000000", "1c010008.0.led", "bus@8000000:motherboard-bus@8000000"]) expect(names.has(odd), odd).toBe(true);
  });

  test("a board file from juno-r2.dtb with a 4-channel, Secure-manager PL330 keeps the tree's devices and changes only the knobs", () => {
    const dtb = join(dir, "arm/juno-r2.dtb");
    const path = join(tmp, "juno4.json");
    const pl330 = { channels: 4, managerNonSecure: false, eventsNonSecure: "0x0", peripheralsNonSecure: "0x0" };
    writeFileSync(path, JSON.stringify({ "vfio-plat-board": 1, name: "juno4", from: dtb, devices: [{ name: "7ff00000.dma-controller", pl330 }] }));
    const base = boardSpecOf(dtb);
    const b = boardSpecOf(path);
    expect(b.name).toBe("juno4");
    expect(b.devices.map((d) => d.name)).toEqual(base.devices.map((d) => d.name));
    const dma = b.devices.find((d) => d.name === "7ff00000.dma-controller")!;
    const was = base.devices.find((d) => d.name === "7ff00000.dma-controller")!;
    expect(dma.modelOptions).toEqual({ ...was.modelOptions, channels: 4, managerNonSecure: false, eventsNonSecure: 0, peripheralsNonSecure: 0 });
    expect({ ...dma, modelOptions: undefined }).toEqual({ ...was, modelOptions: undefined });
    expect(b.smmus).toEqual(base.smmus);
  });
});
