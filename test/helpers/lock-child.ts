// A second process for the lock tests: takes a lock file and holds it until its stdin closes ("hold"), races other
// children for one lock once a go-file appears ("race"), or takes and releases a lock over and over ("churn": COUNT times, then until its stdin closes).
// Prints one line per result. Usage: bun test/helpers/lock-child.ts MODE LOCK [GO-FILE | COUNT]
import { existsSync } from "node:fs";
import { tryLock, unlock } from "../../src/sim/state/pid-lock.ts";

const [mode, path, extra] = process.argv.slice(2) as [string, string, string | undefined];

async function holdUntilStdinCloses(): Promise<void> {
  for await (const _ of Bun.stdin.stream()) {
    // discard: the parent closes stdin (or kills us) to end the hold
  }
}

if (mode === "hold") {
  const h = tryLock(path);
  console.log(h === undefined ? `took ${process.pid}` : `busy ${h.pid}`);
  await holdUntilStdinCloses();
  if (h === undefined) unlock(path);
} else if (mode === "race") {
  console.log("ready");
  while (!existsSync(extra!)) Bun.sleepSync(1);
  const h = tryLock(path);
  console.log(h === undefined ? `took ${process.pid}` : `busy ${h.pid}`);
  await holdUntilStdinCloses();
  if (h === undefined) unlock(path);
} else if (mode === "churn") {
  // COUNT rounds at least, then on until the parent closes stdin: it does once it has seen the lock held, so a
  // loaded machine that keeps the reader off the CPU during the first COUNT rounds cannot make its check vacuous.
  let parentWatching = true;
  void holdUntilStdinCloses().then(() => {
    parentWatching = false;
  });
  for (let i = 0; i < Number(extra) || parentWatching; i++) {
    while (tryLock(path) !== undefined) Bun.sleepSync(0);
    unlock(path);
    if (i >= Number(extra)) await Bun.sleep(0); // let the stdin reader see the close
  }
  console.log("done");
}
