// Which VFIO interrupt index of a PL330 carries its abort line and each event's line, from the number of interrupts
// the device has: the order of the Linux binding and QEMU (pl330-smmu.md §1.9).

/** Which VFIO interrupt index carries what (pl330-smmu.md §1.9). */
export interface IrqLayout {
  /** One line for the abort and every event (single-interrupt device trees). */
  combined: boolean;
  /** Index of irq_abort, when there is a line for it. */
  abort: number | undefined;
  /** Index of event N's line, when there is one. */
  event(n: number): number | undefined;
}

/**
 * The interrupt layout for a device with `numIrqs` VFIO interrupts: none (the driver polls registers), one combined
 * line, or abort first then one line per event (index 1 + N), the order of the Linux binding and QEMU.
 */
export function irqLayout(numIrqs: number): IrqLayout {
  if (numIrqs <= 0) return { combined: false, abort: undefined, event: () => undefined };
  if (numIrqs === 1) return { combined: true, abort: 0, event: () => 0 };
  return { combined: false, abort: 0, event: (n) => (1 + n < numIrqs ? 1 + n : undefined) };
}
