// A QEMU machine driven over its qtest protocol (`-qtest stdio`: one text command per line, "OK ..." per answer),
// with no guest running: the test is the only bus master issuing register and memory accesses, so it can put the
// same accesses to QEMU's own device models and to the simulator's and compare what each answers.
import type { Subprocess } from "bun";

/** Whether this machine can run qemu-system-aarch64 (the lab installs it). */
export const HAVE_QEMU = Bun.which("qemu-system-aarch64") !== null;

export class Qtest {
  readonly #proc: Subprocess<"pipe", "pipe", "ignore">;
  readonly #reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> };
  #buffer = "";

  private constructor(args: string[]) {
    this.#proc = Bun.spawn(["qemu-system-aarch64", "-display", "none", "-nodefaults", "-qtest", "stdio", ...args], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "ignore",
    });
    this.#reader = this.#proc.stdout.getReader();
  }

  /** Start QEMU with `args` (machine, drives, devices). */
  static start(args: string[]): Qtest {
    return new Qtest(args);
  }

  /** Send one command; its "OK ..." answer (the words after OK). @throws Error on FAIL/ERR or a dead QEMU */
  async cmd(line: string): Promise<string> {
    this.#proc.stdin.write(`${line}\n`);
    this.#proc.stdin.flush();
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const answer = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        if (answer.startsWith("OK")) return answer.slice(2).trim();
        if (answer.startsWith("FAIL") || answer.startsWith("ERR")) throw new Error(`qtest: ${line}: ${answer}`);
        continue; // IRQ notifications and the like
      }
      const chunk = await this.#reader.read();
      if (chunk.done) throw new Error(`qtest: QEMU exited during '${line}'`);
      this.#buffer += new TextDecoder().decode(chunk.value ?? new Uint8Array());
    }
  }

  async readl(address: bigint): Promise<number> {
    return Number(BigInt(await this.cmd(`readl 0x${address.toString(16)}`)));
  }

  async writel(address: bigint, value: number): Promise<void> {
    await this.cmd(`writel 0x${address.toString(16)} 0x${(value >>> 0).toString(16)}`);
  }

  async write(address: bigint, bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    await this.cmd(`write 0x${address.toString(16)} ${bytes.length} 0x${Buffer.from(bytes).toString("hex")}`);
  }

  async read(address: bigint, length: number): Promise<Uint8Array> {
    const hex = await this.cmd(`read 0x${address.toString(16)} ${length}`);
    return Uint8Array.from(Buffer.from(hex.replace(/^0x/, ""), "hex"));
  }

  kill(): void {
    this.#proc.kill();
  }
}
