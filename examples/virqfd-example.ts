// The unmask eventfd of a level interrupt (the kernel's virqfd) from the library: the PL031's alarm fires and the
// kernel masks it; another process, which holds no device fd, re-enables the line by writing to an eventfd this one
// installed with irq.unmaskEventfd(), while this one waits. No VFIO ioctl is made for that unmask.
// Run: bun examples/virqfd-example.ts   (on a board: openBoundary() without `sim` gives the real machine)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindDevice, listDevices, openBoundary, openDevice, resolveDevice, unbindDevice } from "vfio-plat";

const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-virqfd-"));
const b = await openBoundary({ sim: true, simStateDir: stateDir });
try {
  const rtc = resolveDevice("arm,pl031", listDevices(b));
  bindDevice(b, rtc);
  {
    using session = openDevice(b, rtc.name);
    const regs = session.device.region(0);
    using alarm = session.device.irq(0);
    alarm.enable();
    using unmask = alarm.unmaskEventfd(); // SET_IRQS DATA_EVENTFD|ACTION_UNMASK; closed (and removed) at block end
    const alarmIn = (s: number) => {
      regs.write32(0x04, regs.read32(0x00) + s); // RTCMR: match RTCDR + s seconds
      regs.write32(0x10, 1); // RTCIMSC: the alarm interrupt on
    };

    alarmIn(1);
    const first = await alarm.wait(5000);
    console.log(`first alarm: count ${first?.count ?? 0}; the kernel masked the line`);
    regs.write32(0x1c, 1); // RTCICR: clear the cause, but do not unmask here
    alarmIn(1); // the next alarm falls due while the line is masked
    const meanwhile = await alarm.wait(1500);
    console.log(`within 1.5 s: ${meanwhile ? `count ${meanwhile.count}` : "no event"}, RTCRIS=${regs.read32(0x14)}`);

    // A child gets the eventfd as its fd 3 and writes the 8-byte counter value 1 to it after a moment.
    const child = Bun.spawn(["sh", "-c", "sleep 0.2; printf '\\001\\000\\000\\000\\000\\000\\000\\000' >&3"], {
      stdio: ["ignore", "ignore", "inherit", unmask.fd],
    });
    const second = await alarm.wait(5000);
    await child.exited;
    console.log(`second alarm: count ${second?.count ?? 0}, let through by process ${child.pid}'s write to the unmask eventfd`);
    regs.write32(0x1c, 1);
    regs.write32(0x10, 0);
    unmask.signal(); // the same from this process: one write(2), no ioctl
  }
  const back = unbindDevice(b, rtc);
  console.log(`${rtc.name} back on ${back.restoredDriver}`);
} finally {
  b.dispose();
  rmSync(stateDir, { recursive: true, force: true });
}
