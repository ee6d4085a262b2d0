// The debug interface (pl330-smmu.md §1.3): DBGINST0/1 latch an instruction and its target thread, DBGCMD = 0 hands
// it to the engine, DBGSTATUS reads busy until the engine has executed it (at its next step, never inside the write).
// Only DMAGO (manager), DMASEV and DMAKILL may be issued; any other opcode faults the target with
// undef_instr|dbg_instr as QEMU does (the TRM is silent: uncertain). A Faulting target accepts only DMAKILL.
import type { Pl330Core } from "./core.ts";
import { decode } from "./decoder.ts";
import { abortThread, killThread } from "./faults.ts";
import { managerGo, managerSev } from "./manager-exec.ts";
import { FAULT } from "./registers.ts";
import { isFaulting } from "./thread.ts";
import { signalEvent } from "./wait.ts";

/** DBGCMD write: accepted only when idle and the command is 0 (execute); 1..3 are reserved and ignored. */
export function debugCommand(core: Pl330Core, value: number): void {
  const d = core.debug;
  if (d.busy || (value & 3) !== 0) return;
  d.busy = true;
  d.cmd0 = d.inst0;
  d.cmd1 = d.inst1;
  core.dirty = true;
}

/** Execute the accepted debug instruction (the engine calls this at a step; costs one cycle). */
export function executeDebug(core: Pl330Core): void {
  const d = core.debug;
  d.busy = false;
  core.dirty = true;
  const i0 = d.cmd0;
  const target = (i0 & 1) === 0 ? core.manager : core.channels[(i0 >>> 8) & 7];
  // A channel number beyond the configuration: nothing to execute on.
  if (!target) return;
  const b = core.scratch;
  b[0] = (i0 >>> 16) & 0xff;
  b[1] = (i0 >>> 24) & 0xff;
  for (let i = 0; i < 4; i++) b[2 + i] = (d.cmd1 >>> (8 * i)) & 0xff;
  const op = b[0];
  if (op === 0x01) {
    killThread(core, target);
    return;
  }
  if (isFaulting(target)) return;
  const dec = decode(b, core.cfg);
  if (op === 0xa0 || op === 0xa2) {
    // DMAGO is a manager instruction: a channel target cannot execute it.
    if (target.kind === "channel") abortThread(core, target, FAULT.UNDEF_INSTR, true, true);
    else if (dec.invalid || dec.insn?.op !== "GO") abortThread(core, target, FAULT.OPERAND_INVALID, true, true);
    else managerGo(core, dec.insn.ns, dec.insn.chan, dec.insn.pc, true);
    return;
  }
  if (op === 0x34) {
    if (dec.invalid || !dec.insn || dec.insn.op !== "SEV") {
      abortThread(core, target, FAULT.OPERAND_INVALID, true, true);
    } else if (target.kind === "manager") {
      managerSev(core, dec.insn.event, true);
    } else if (target.ns && ((core.cfg.eventsNonSecure >>> dec.insn.event) & 1) === 0) {
      abortThread(core, target, FAULT.CH_EVNT_ERR, true, true);
    } else {
      signalEvent(core, dec.insn.event);
    }
    return;
  }
  abortThread(core, target, FAULT.UNDEF_INSTR, true, true);
}
