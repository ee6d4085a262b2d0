// An Executor that runs the vfio-plat CLI as child processes with a given environment: on the host against a
// simulated board, or inside the lab's guest against the real kernel (same code, different environment).
import type { Executor } from "./runner.ts";
import type { StepResult } from "./scenario.ts";

/** A step that runs longer than this is killed (a hung ioctl or wait must fail the step, not stall the whole run). */
const STEP_TIMEOUT_MS = 60_000;

export function cliExecutor(opts: { command: string[]; cwd: string; env: Record<string, string>; stepTimeoutMs?: number }): Executor {
  const stepTimeoutMs = opts.stepTimeoutMs ?? STEP_TIMEOUT_MS;
  const text = (b: Uint8Array | ArrayBuffer) => new TextDecoder().decode(b);
  return {
    run(args, stdin) {
      const r = Bun.spawnSync([...opts.command, ...args], {
        cwd: opts.cwd,
        env: opts.env,
        stdin: stdin !== undefined ? new TextEncoder().encode(stdin) : "ignore",
        stdout: "pipe",
        stderr: "pipe",
        timeout: stepTimeoutMs,
        killSignal: "SIGKILL",
      });
      const killed = r.exitCode === null ? `\n[vfio-plat ${args.join(" ")} killed after ${stepTimeoutMs} ms (${r.signalCode ?? "signal"})]` : "";
      return { exit: r.exitCode ?? -1, stdout: text(r.stdout), stderr: text(r.stderr) + killed };
    },
    async start(args, ready) {
      const p = Bun.spawn([...opts.command, ...args], { cwd: opts.cwd, env: opts.env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      const reader = p.stdout.getReader();
      let out = "";
      const deadline = Date.now() + 20000;
      while (!ready.test(out) && Date.now() < deadline) {
        const c = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => ({ done: true as const, value: undefined }))]);
        if (c.done) break;
        out += text(c.value);
      }
      return {
        async stop(signal): Promise<StepResult> {
          p.kill(signal);
          const exit = await p.exited;
          for (;;) {
            const c = await reader.read();
            if (c.done) break;
            out += text(c.value);
          }
          return { exit, stdout: out, stderr: await new Response(p.stderr).text() };
        },
      };
    },
  };
}
