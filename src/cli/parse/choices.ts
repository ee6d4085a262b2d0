// The fixed words some options and actions accept, in one place: the parsers check against these lists and shell
// completion offers them (src/cli/completion/model.ts), so a word added here appears in both at once. --iommu-mode's
// words live with their parser (parse/iommu-mode.ts), which completion reads the same way.

/** dma-test --inject: how the buffers are mapped so that the copy faults. */
export const DMA_TEST_INJECTIONS = ["readonly-dst", "unmapped-src", "unmapped-program"] as const;

/** dma-test --pattern words (a byte 0xNN is accepted too, but is not a word to offer). */
export const DMA_TEST_PATTERN_WORDS = ["incrementing", "random", "zeros", "ones"] as const;

/** `vfio-plat pl330 ACTION`. */
export const PL330_ACTIONS = ["asm", "disasm"] as const;
