// A plan step's tie to the plan that started it. The step runs in a session of its own (so a Ctrl-C at the terminal
// reaches only the plan), which also takes it out of the reach of anything that kills the plan's session or group: a
// farm's job timeout, `timeout -s KILL`, the OOM killer. The plan therefore hands it one end of a pipe it never writes
// (fd VFIO_PLAT_PLAN_FD): the end of that pipe means the plan is gone, and the step stops as for a SIGHUP.
import { createReadStream, fstatSync } from "node:fs";

/** The environment variable naming the lifeline's fd in a step's command. */
export const PLAN_FD_ENV = "VFIO_PLAT_PLAN_FD";

/**
 * Watch the lifeline fd named by `env` (when it is set and is a pipe or socket) and call `gone` once when its other end
 * closes (the plan exited, however). Does nothing otherwise: a stray variable with no such fd never stops a command.
 */
export function watchPlanLifeline(env: NodeJS.ProcessEnv, gone: () => void): void {
  const text = env[PLAN_FD_ENV];
  if (text === undefined || !/^\d+$/.test(text)) return;
  const fd = Number(text);
  try {
    const st = fstatSync(fd);
    if (!st.isFIFO() && !st.isSocket()) return;
  } catch {
    return; // No such fd.
  }
  let told = false;
  const tell = (): void => {
    if (told) return;
    told = true;
    gone();
  };
  const stream = createReadStream("", { fd, autoClose: false });
  // The plan writes nothing: any data is ignored; the end (or a broken pipe) is the news.
  stream.on("data", () => {});
  stream.on("end", tell);
  stream.on("error", tell);
}
