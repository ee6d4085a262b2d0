// TEST HOOK, inert unless VFIO_PLAT_TEST_PLAN_PAUSE_AT names a case id: once that case's command has started, the
// plan says so on stderr and stops itself (SIGSTOP), so a test can send it a signal while the step runs (mid-step,
// deterministically), then let it go on with SIGCONT. With VFIO_PLAT_TEST_PLAN_PAUSE_STEP=1 the step's command is
// stopped first as well (the test sends it SIGCONT), so a signal can land in a step that has not ended yet (a bind).

/** The hook for `test`'s runner, or undefined when the variable is unset. */
export function planPauseHook(env: NodeJS.ProcessEnv, say: (line: string) => void): ((caseId: string, pid: number) => void) | undefined {
  const at = env.VFIO_PLAT_TEST_PLAN_PAUSE_AT;
  if (at === undefined || at === "") return undefined;
  let done = false;
  return (caseId, pid) => {
    if (done || caseId !== at) return;
    done = true;
    if (env.VFIO_PLAT_TEST_PLAN_PAUSE_STEP === "1") process.kill(pid, "SIGSTOP");
    say(`vfio-plat: test hook: plan paused in ${caseId} (pid ${process.pid}, step pid ${pid})\n`);
    process.kill(process.pid, "SIGSTOP");
  };
}
