// Using vfio-plat as a library: bind the PL031 RTC of the simulated board, read its PrimeCell ID, set an alarm two
// seconds ahead, wait for the interrupt on an eventfd, clear and unmask it, and give the device back.
// Run: bun examples/library-example.ts   (on a board: openBoundary() without `sim` gives the real machine)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindDevice, listDevices, openBoundary, openDevice, resolveDevice, unbindDevice } from "vfio-plat";

const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-example-"));
const b = await openBoundary({ sim: true, simStateDir: stateDir });
try {
  const rtc = resolveDevice("arm,pl031", listDevices(b)); // by compatible, sysfs name or /sys path
  const bound = bindDevice(b, rtc); // the original driver is saved beside the board's state (defaultStateDir)
  console.log(`bound ${bound.device.name} to ${bound.device.driver} (${bound.groupNode})`);

  {
    // `using`: at the end of this block the interrupt is disabled and device, group and container are closed.
    using session = openDevice(b, rtc.name);
    const regs = session.device.region(0);
    console.log(`PrimeCell ID word 0: 0x${regs.read32(0xff0).toString(16).padStart(8, "0")}`);

    using alarm = session.device.irq(0); // level-triggered: the kernel masks it when it fires
    alarm.enable();
    const now = regs.read32(0x00); // RTCDR: seconds
    regs.write32(0x04, now + 2); // RTCMR: match register
    regs.write32(0x10, 1); // RTCIMSC: unmask the alarm in the device
    const event = await alarm.wait(5000);
    if (!event) throw new Error("no alarm within 5 s");
    console.log(`alarm: eventfd count ${event.count}, RTCMIS=${regs.read32(0x18)}`);
    console.log(`as JSON: ${JSON.stringify(event)}`); // {"count":1,"tNs":"<decimal ns>"}
    regs.write32(0x1c, 1); // RTCICR: clear the cause in the device...
    alarm.unmask(); // ...then unmask in VFIO, or no further interrupt arrives
  }
  // `rtc` was read before bind and still shows the old driver: unbind reads the device again by name.
  const back = unbindDevice(b, rtc);
  console.log(`${rtc.name} back on ${back.restoredDriver}`);
} finally {
  b.dispose();
  rmSync(stateDir, { recursive: true, force: true });
}
