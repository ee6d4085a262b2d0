// The CLI's advice for an errno in its context (the system call, the ioctl, the path, the device): "bind the device
// first", "run as root", ... describeError (errors.ts) asks here when the error brings no advice of its own.

/** The errno facts found in a cause chain: a SyscallError, or a Node/Bun fs error that escaped normalisation. */
export interface SysInfo {
  code: string;
  syscall?: string;
  path?: string;
  request?: string;
}

const DEV_VFIO_NODE = /^\/dev\/vfio\/(?:\d+|noiommu-\d+|devices\/.+)$/;

/** The fix to suggest for an errno in its context, or undefined when there is nothing useful to say. */
export function hintForErrno(s: SysInfo, ctx: { device?: string; pid?: number }): string | undefined {
  const path = s.path ?? "";
  const device = ctx.device ?? "DEVICE";
  switch (s.code) {
    case "EACCES":
    case "EPERM":
      if (s.code === "EPERM" && (s.request === "VFIO_SET_IOMMU" || s.request === "VFIO_DEVICE_BIND_IOMMUFD")) {
        return (
          "the IOMMU cannot isolate this device's MSIs: if you accept the risk, load vfio_iommu_type1 with " +
          "allow_unsafe_interrupts=1 (kernel cmdline vfio_iommu_type1.allow_unsafe_interrupts=1); see vfio-plat doctor"
        );
      }
      if (path === "/dev/vfio/vfio" || DEV_VFIO_NODE.test(path)) {
        return (
          `run as root, or give your user the group: vfio-plat bind ${device} --group GROUP, ` +
          `or make it last: vfio-plat udev-rule ${device} --group GROUP --install`
        );
      }
      if (path.startsWith("/sys/")) return "changing driver bindings in sysfs needs root (sudo)";
      if (path === "/dev/kmsg") return "reading the kernel log needs root, CAP_SYSLOG, or sysctl kernel.dmesg_restrict=0";
      return "run as root, or check the permissions of the file";
    case "ENOENT":
    case "ENODEV":
      if (path === "/dev/vfio/vfio") {
        return "this kernel has no VFIO (modprobe vfio-platform, or enable CONFIG_VFIO); try --sim for the simulated board";
      }
      if (DEV_VFIO_NODE.test(path)) return `bind the device first: vfio-plat bind ${device}`;
      if (path.startsWith("/sys/")) return "see vfio-plat list for the devices on this machine";
      return undefined;
    case "EBUSY":
      // vfio_virqfd_enable: the interrupt has an eventfd for this action already (one mask and one unmask each).
      if (s.request === "VFIO_DEVICE_SET_IRQS") {
        return "the interrupt has a mask or unmask eventfd of this kind already: remove it first (irq unmask-fd INDEX off, irq mask-fd INDEX off)";
      }
      if (ctx.pid !== undefined) return `another process (pid ${ctx.pid}) holds ${path || "the group"}; stop it and retry`;
      if (path) return `another process holds ${path}; find it with: fuser -v ${path}`;
      return "another process holds the group or device; stop it and retry";
    case "ENOMEM":
      if (s.request === "VFIO_IOMMU_MAP_DMA") {
        return (
          "pinned DMA memory counts against the locked-memory limit: raise it (ulimit -l, LimitMEMLOCK= in systemd, " +
          "or /etc/security/limits.conf) or run as root"
        );
      }
      return undefined;
    case "ENOTTY":
    case "EOPNOTSUPP":
    case "ENOSYS":
      return `${s.request ?? "this operation"} is not supported by this device or kernel`;
    case "EINVAL":
      if (s.request === "VFIO_DEVICE_RESET") {
        return "the device has no reset function (vfio-platform needs a vfio-reset driver for its compatible)";
      }
      if (s.request === "VFIO_DEVICE_SET_IRQS") {
        // vfio-platform answers EINVAL to mask/unmask of an edge interrupt (no MASKABLE flag); any bus to an action the
        // interrupt's flags do not offer, or to an index or count it does not have.
        return (
          `the interrupt does not offer this action: mask and unmask need MASKABLE (edge interrupts on vfio-platform ` +
          `are not), an eventfd needs EVENTFD; vfio-plat info ${device} lists each interrupt's flags`
        );
      }
      if (/\/drivers\/vfio-platform\/bind$|\/drivers_probe$/.test(path)) {
        return (
          "vfio-platform refused the device: it needs an IOMMU group, and without a reset driver " +
          "vfio_platform.reset_required=0 (module parameter or kernel cmdline); see vfio-plat doctor"
        );
      }
      return undefined;
    default:
      return undefined;
  }
}
