// Boots the lab kernel under qemu-system-aarch64 (TCG software emulation) and collects what the guest printed: the
// whole console text, the parsed result/event lines, how QEMU ended and how long it took. A wall-clock timeout kills
// QEMU, so a hung guest fails the run instead of hanging it.
import { closeSync, ftruncateSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConsole, type ParsedConsole } from "../protocol.ts";

/** A boot profile: the machine QEMU emulates and the kernel command line that goes with it. */
export interface Profile {
  name: "noiommu" | "smmuv3";
  machine: string;
  extraDevices: string[];
  cmdline: string[];
  /**
   * A raw disk image of this many bytes, made afresh (all zeros) in the run directory for every boot and plugged into
   * the first free virtio-mmio transport as a virtio-blk device (`blk-test` writes to it; the host reads it after).
   */
  diskBytes?: number;
}

/** The lab disk's size: 8 MiB, as the simulated virt-noiommu board's disk. */
export const LAB_DISK_BYTES = 8 << 20;

/** Where a boot's disk image is: in its run directory. */
export const labDiskPath = (runDir: string): string => join(runDir, "disk.img");

/**
 * `noiommu`: platform/AMBA devices without an IOMMU, VFIO's no-IOMMU mode on (vfio-amba/vfio-platform need a group).
 * `smmuv3`: an SMMUv3 in front of PCI with QEMU's `edu` device; GICv3 so MSIs are isolated (type1 needs that).
 */
export const PROFILES: Record<Profile["name"], Profile> = {
  noiommu: {
    name: "noiommu",
    machine: "virt",
    extraDevices: [],
    // hugepages=64: a 128 MiB pool of 2 MiB pages for noiommu DMA buffers (of the guest's 2 GiB).
    cmdline: ["vfio.enable_unsafe_noiommu_mode=1", "vfio_platform.reset_required=0", "hugepages=64"],
    diskBytes: LAB_DISK_BYTES,
  },
  smmuv3: {
    name: "smmuv3",
    machine: "virt,iommu=smmuv3,gic-version=3",
    // addr=2 puts edu at 0000:00:02.0, where the simulated board has it (with -nic none it would take slot 1).
    extraDevices: ["-device", "edu,addr=2"],
    cmdline: ["vfio_platform.reset_required=0"],
  },
};

export interface BootOptions {
  kernel: string;
  initrd: string;
  profile: Profile;
  /** Only these jobs of the profile (test/lab/plan.ts ids; vfio_plat_lab.only= on the kernel command line); default all. */
  only?: string[];
  /** More kernel command-line words, e.g. the benchmark's `vfio_plat_lab.entry=bench` (test/lab/bench-protocol.ts). */
  append?: string[];
  /** Directory for console.log (and trace.log). */
  runDir: string;
  /** Wall-clock limit of the whole boot (default BOOT_LIMIT_MS). */
  timeoutMs?: number;
  /** Longest the console may stay silent before the guest counts as hung (default SILENCE_LIMIT_MS). */
  silenceMs?: number;
  /** Record every MMIO access (QEMU trace events memory_region_ops_read/write) into runDir/trace.log. */
  trace?: boolean;
  /** Echo the console to our stderr as it arrives. */
  echo?: boolean;
}

export interface BootResult extends ParsedConsole {
  console: string;
  consolePath: string;
  tracePath?: string;
  /** The disk image QEMU was given (the profile's diskBytes), to read after the guest powered off. */
  diskPath?: string;
  /** QEMU's exit code (null when killed). */
  exit: number | null;
  timedOut: boolean;
  /** Seconds from spawning QEMU to its exit. */
  seconds: number;
  /** Seconds from spawning QEMU until the guest's init printed its first line. */
  initSeconds?: number;
  argv: string[];
}

/** Default wall-clock cap of one boot: far above a loaded host's noiommu boot (about 560 s for eleven scenarios). */
export const BOOT_LIMIT_MS = 1_500_000;
/** Default longest silence of the console: above the slowest single step (a lab step is killed after 60 s). */
export const SILENCE_LIMIT_MS = 180_000;

/** The qemu-system-aarch64 command line for a boot. */
export function qemuArgv(o: BootOptions): string[] {
  const lab = [`vfio_plat_lab.profile=${o.profile.name}`, ...(o.only && o.only.length > 0 ? [`vfio_plat_lab.only=${o.only.join(",")}`] : [])];
  const append = ["console=ttyAMA0", "panic=-1", ...o.profile.cmdline, ...lab, ...(o.append ?? [])].join(" ");
  return [
    "qemu-system-aarch64",
    "-M", o.profile.machine,
    "-cpu", process.env.VFIO_PLAT_LAB_CPU ?? "max",
    "-smp", "2",
    "-m", "2048",
    "-nographic",
    "-no-reboot",
    // No default NIC: it would need an option ROM (ipxe-qemu) and the lab has no use for a network.
    "-nic", "none",
    "-kernel", o.kernel,
    "-initrd", o.initrd,
    "-append", append,
    ...o.profile.extraDevices,
    ...(o.profile.diskBytes !== undefined
      ? ["-drive", `file=${labDiskPath(o.runDir)},if=none,format=raw,id=d0`, "-device", "virtio-blk-device,drive=d0"]
      : []),
    ...(o.trace ? ["-trace", "memory_region_ops_read", "-trace", "memory_region_ops_write", "-D", join(o.runDir, "trace.log")] : []),
  ];
}

/** Boot, wait for QEMU to exit (the guest powers off) or the timeout, and parse the console. */
export async function boot(o: BootOptions): Promise<BootResult> {
  const argv = qemuArgv(o);
  if (o.profile.diskBytes !== undefined) makeDisk(labDiskPath(o.runDir), o.profile.diskBytes);
  const t0 = performance.now();
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let timedOut = false;
  const kill = (): void => {
    timedOut = true;
    p.kill("SIGKILL");
  };
  // Two limits: a hung guest goes quiet, so silence ends the boot soon; the whole-boot cap only bounds a guest that
  // keeps talking. The number of steps grows with every scenario and a loaded host stretches each one (about 5 s per
  // command under TCG on a busy 2-core host), so a fixed total would have to be re-tuned with each new scenario.
  const limit = setTimeout(kill, o.timeoutMs ?? BOOT_LIMIT_MS);
  const silenceMs = o.silenceMs ?? SILENCE_LIMIT_MS;
  let quiet = setTimeout(kill, silenceMs);
  let text = "";
  let initSeconds: number | undefined;
  const dec = new TextDecoder();
  const reader = p.stdout.getReader();
  for (;;) {
    const c = await reader.read();
    if (c.done) break;
    clearTimeout(quiet);
    quiet = setTimeout(kill, silenceMs);
    const s = dec.decode(c.value, { stream: true });
    if (o.echo) process.stderr.write(s);
    text += s;
    if (initSeconds === undefined && text.includes('VFIO-PLAT-LAB {"type":"init"')) initSeconds = (performance.now() - t0) / 1000;
  }
  const exit = await p.exited;
  clearTimeout(limit);
  clearTimeout(quiet);
  const stderr = await new Response(p.stderr).text();
  if (stderr.trim()) text += `\n[qemu stderr]\n${stderr}`;
  const consolePath = join(o.runDir, "console.log");
  writeFileSync(consolePath, text);
  return {
    ...parseConsole(text),
    console: text,
    consolePath,
    ...(o.trace ? { tracePath: join(o.runDir, "trace.log") } : {}),
    ...(o.profile.diskBytes !== undefined ? { diskPath: labDiskPath(o.runDir) } : {}),
    exit: timedOut ? null : exit,
    timedOut,
    seconds: (performance.now() - t0) / 1000,
    ...(initSeconds !== undefined ? { initSeconds } : {}),
    argv,
  };
}

/** A fresh raw image of `bytes` zero bytes at `path` (sparse), replacing any earlier one. */
export function makeDisk(path: string, bytes: number): void {
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}
