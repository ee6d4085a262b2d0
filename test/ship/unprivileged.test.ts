// Non-root use: `bind --user/--group` hands /dev/vfio/N over (names from /etc/passwd and /etc/group, or numbers),
// checked by reading the node's owner back through the board; a bad name is refused before anything is bound; a failed
// hand-over rolls the bind back. And the two hints a user without root needs: ENOMEM from MAP_DMA names the
// locked-memory limit, and EBUSY names the process holding the group.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { errnoOf } from "../../src/boundary/errno.ts";
import { describeError } from "../../src/cli/output/errors.ts";
import { resolveGroup, resolveUser } from "../../src/host/account-ids.ts";
import { bindDevice } from "../../src/host/bind.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { resolveDevice } from "../../src/host/device-name.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { CONTAINER_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { InvalidArgumentError } from "../../src/vfio/errors.ts";
import { openDevice } from "../../src/vfio/session.ts";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const dir = mkdtempSync(join(tmpdir(), "vfio-plat-accounts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("user and group names", () => {
  const passwd = join(dir, "passwd");
  const group = join(dir, "group");
  writeFileSync(passwd, "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n# comment\nbob:x:1001:100::/:/bin/false\n");
  writeFileSync(group, "root:x:0:\nvfio:x:990:alice,bob\nusers:x:100:\n");

  test("names resolve from the files, numbers are taken as they are", () => {
    expect(resolveUser("alice", passwd)).toBe(1000);
    expect(resolveUser("bob", passwd)).toBe(1001);
    expect(resolveUser("4242", passwd)).toBe(4242);
    expect(resolveGroup("vfio", group)).toBe(990);
    expect(resolveGroup("0", group)).toBe(0);
  });
  test("an unknown name or an out-of-range id is a usage error naming the file", () => {
    expect(() => resolveUser("carol", passwd)).toThrow(InvalidArgumentError);
    expect(() => resolveUser("carol", passwd)).toThrow(`no user 'carol' in ${passwd}`);
    expect(() => resolveGroup("wheel", group)).toThrow(`no group 'wheel' in ${group}`);
    expect(() => resolveUser("4294967295", passwd)).toThrow(InvalidArgumentError); // (uid_t)-1 means "unchanged" to chown
    expect(() => resolveUser("", passwd)).toThrow(InvalidArgumentError);
  });
  test("the real /etc/passwd has root", () => {
    expect(resolveUser("root")).toBe(0);
  });
});

/** The owner of a node on the simulated board in `stateDir`, read back through the boundary. */
async function nodeOwner(stateDir: string, node: string) {
  const b = await openBoundary({ sim: true, simStateDir: stateDir });
  try {
    const st = b.fs.stat(node);
    return { uid: st.uid, gid: st.gid, mode: st.mode & 0o777 };
  } finally {
    b.dispose();
  }
}

describe("bind --user/--group (CLI, simulated board)", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  afterAll(() => state.dispose());

  test("numbers: the node is chowned after the bind, and bind reports the owner it reads back", async () => {
    const r = runCli(["bind", PL031, "--user", "1234", "--group", "5678", "--json"], { env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ outcome: "bound", driver: "vfio-amba", owner: { uid: 1234, gid: 5678, mode: "0660" } });
    // The kernel made the node 0600; a group owner needs the group bits too, so bind set them.
    expect(await nodeOwner(state.dir, j.group_node)).toEqual({ uid: 1234, gid: 5678, mode: 0o660 });
    expect(r.stderr).not.toContain("cannot open it");
  });

  test("--group alone keeps the user; an already-bound device is still handed over", async () => {
    const r = runCli(["bind", PL031, "--group", "root"], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("already bound");
    expect(r.stdout).toContain("/dev/vfio/1: owner uid 1234, gid 0, mode 0660");
    expect(await nodeOwner(state.dir, "/dev/vfio/1")).toMatchObject({ uid: 1234, gid: 0 });
  });

  test("--user alone leaves the mode; after unbind a new node is root's 0600 again", async () => {
    const r = runCli(["bind", "a000000.virtio_mmio", "--user", "4321", "--json"], { env });
    expect(r.code).toBe(0);
    const node = JSON.parse(r.stdout).group_node as string;
    expect(await nodeOwner(state.dir, node)).toEqual({ uid: 4321, gid: 0, mode: 0o600 });
    expect(runCli(["unbind", "a000000.virtio_mmio"], { env }).code).toBe(0);
    expect(runCli(["bind", "a000000.virtio_mmio"], { env }).code).toBe(0);
    expect(await nodeOwner(state.dir, node)).toEqual({ uid: 0, gid: 0, mode: 0o600 });
    expect(runCli(["unbind", "a000000.virtio_mmio"], { env }).code).toBe(0);
  });

  test("a name that does not exist is refused (exit 2) before the device is touched", () => {
    const r = runCli(["bind", "a000000.virtio_mmio", "--user", "no-such-user-vfio-plat"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no user 'no-such-user-vfio-plat' in /etc/passwd");
    const list = JSON.parse(runCli(["list", "--json"], { env }).stdout);
    expect(list.devices.find((d: { name: string }) => d.name === "a000000.virtio_mmio").driver).toBeNull();
  });

  test("--user without a value is a usage error", () => {
    expect(runCli(["bind", "a000000.virtio_mmio", "--user"], { env }).code).toBe(2);
  });
});

describe("a hand-over the kernel refuses rolls the bind back", () => {
  test("chown EPERM: the error comes out, the device is on its original driver again", async () => {
    const state = tempSimState();
    const b = await openBoundary({ sim: true, simStateDir: state.dir });
    try {
      // The board as a non-root process sees it: chown(2) of a device node is EPERM.
      const fs = Object.create(b.fs) as KernelBoundary["fs"];
      fs.chown = (path) => {
        throw new SyscallError({ syscall: "chown", errno: errnoOf("EPERM"), path });
      };
      const nonRoot = new Proxy(b, { get: (t, k) => (k === "fs" ? fs : Reflect.get(t, k, t)) });
      const dev = resolveDevice(PL031, listDevices(nonRoot));
      expect(() => bindDevice(nonRoot, dev, { stateDir: join(state.dir, "host"), owner: { uid: 1000 } })).toThrow("EPERM");
      expect(resolveDevice(PL031, listDevices(b)).driver).toBe("rtc-pl031");
    } finally {
      b.dispose();
      state.dispose();
    }
  });
});

describe("hints for a user without root", () => {
  test("ENOMEM from VFIO_IOMMU_MAP_DMA (memlock exceeded) says to raise the locked-memory limit", async () => {
    const state = tempSimState();
    const b = await openBoundary({ sim: true, simStateDir: state.dir });
    try {
      // The kernel's answer when pinning would pass RLIMIT_MEMLOCK: the library call sees ENOMEM on MAP_DMA.
      const ioctl = b.ioctl.bind(b);
      const limited = new Proxy(b, {
        get: (t, k) =>
          k === "ioctl"
            ? (fd: number, request: number, arg: Uint8Array | number) => {
                if (request === CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA) {
                  throw new SyscallError({ syscall: "ioctl", errno: errnoOf("ENOMEM"), fd, request: "VFIO_IOMMU_MAP_DMA" });
                }
                return ioctl(fd, request, arg);
              }
            : Reflect.get(t, k, t),
      });
      const dev = resolveDevice(PL031, listDevices(limited));
      bindDevice(limited, dev, { stateDir: join(state.dir, "host") });
      const s = openDevice(limited, { sysfsPath: dev.sysfsPath, name: dev.name, iommuMode: "group" });
      let caught: unknown;
      const mem = limited.allocMemory(limited.pageSize);
      try {
        s.container!.mapMemory(mem, 0x100000n, { read: true, write: true });
      } catch (e) {
        caught = e;
      } finally {
        mem.free();
        s.close();
      }
      const d = describeError(caught);
      expect(d.code).toBe("ENOMEM");
      expect(d.exit).toBe(1);
      expect(d.hint).toContain("locked-memory limit");
      expect(d.hint).toContain("ulimit -l");
      expect(d.line).toContain("VFIO_IOMMU_MAP_DMA");
    } finally {
      b.dispose();
      state.dispose();
    }
  });

  test("EBUSY: a second opener is told which process holds the group (exit 5)", async () => {
    const state = tempSimState();
    const env = simEnv(state.dir);
    try {
      expect(runCli(["bind", PL031], { env }).code).toBe(0);
      const holder = spawnCli(["irq", PL031, "0"], env);
      try {
        await readUntil(holder.stdout, /armed/);
        const r = runCli(["read", PL031, "0:0xff0"], { env });
        expect(r.code).toBe(5);
        expect(r.stderr).toContain(`held by process ${holder.pid}`);
        expect(r.stderr).toContain(`kill ${holder.pid}`);
        const j = JSON.parse(runCli(["read", PL031, "0:0xff0", "--json"], { env }).stderr);
        expect(j.error).toMatchObject({ exit: 5, code: "BUSY" });
        expect(j.error.hint).toContain(String(holder.pid));
      } finally {
        holder.kill("SIGTERM");
        await holder.exited;
      }
    } finally {
      state.dispose();
    }
  });
});
