// Every row group of `bun run bench`, in table order. The lab rows are always listed; whether they run is `lab`.
import type { RowGroup } from "../lib/context.ts";
import { cliRows } from "./cli.ts";
import { dmaRows } from "./dma.ts";
import { irqRows } from "./irq.ts";
import { labRows } from "./lab.ts";
import { pl330PollRows } from "./pl330-poll.ts";
import { registerRows } from "./register.ts";

export function GROUPS(opts: { lab: boolean; why?: string }): RowGroup[] {
  return [registerRows, labRows(opts), irqRows, dmaRows, pl330PollRows, cliRows];
}
