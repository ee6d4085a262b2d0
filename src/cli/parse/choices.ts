// The fixed words some options and actions accept, in one place: the option table (command-options.ts) declares them
// as an option's enum or suggested words, the parsers check against them and shell completion offers them, so a word
// added here appears everywhere at once. The global options' words (--iommu-mode, --color) live in the table itself.

/** dma-test --inject faults: how the buffers are mapped so that the copy faults. */
export const DMA_TEST_FAULT_INJECTIONS = ["readonly-dst", "unmapped-src", "unmapped-program"] as const;

/** dma-test --inject for the verify: a program that copies one beat less, or starts one beat before the destination. */
export const DMA_TEST_VERIFY_INJECTIONS = ["short-copy", "shifted-dst"] as const;

/** Every dma-test --inject word. */
export const DMA_TEST_INJECTIONS = [...DMA_TEST_FAULT_INJECTIONS, ...DMA_TEST_VERIFY_INJECTIONS] as const;

/** dma-test --pattern words (a byte 0xNN is accepted too, but is not a word to offer). */
export const DMA_TEST_PATTERN_WORDS = ["incrementing", "random", "zeros", "ones"] as const;

/** The shells `vfio-plat completion SHELL` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** `vfio-plat pl330 ACTION`. */
export const PL330_ACTIONS = ["asm", "disasm", "exec"] as const;
