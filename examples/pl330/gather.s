; Scatter-gather: copy the four 1 KiB blocks of the buffer `src` into the buffer `dst` in reverse order (src block 3
; lands first), one descriptor per block written as a DMAMOV pair with the buffer names and an offset; then raise
; event 0 and end. Run (the JSON holds both buffers' bytes: dst's blocks are src's, reversed):
;   vfio-plat --sim pl330 exec 2c0a0000.dma examples/pl330/gather.s --buffer src=4k:random:1 --buffer dst=4k --json --dump src --dump dst
; 16 beats of 8 bytes per burst, addresses incrementing; SP2/DP2: Non-secure unprivileged data accesses.
        DMAMOV CCR, SB16 SS64 SAI SP2 DB16 DS64 DAI DP2
        DMAMOV SAR, src+0xc00       ; descriptor 0: src block 3 -> dst block 0
        DMAMOV DAR, dst
        DMALP lc0, 8                ; 8 bursts x 128 bytes = 1 KiB
          DMALD
          DMAST
        DMALPEND lc0
        DMAMOV SAR, src+0x800       ; descriptor 1: src block 2 -> dst block 1
        DMAMOV DAR, dst+0x400
        DMALP lc0, 8                ; 8 bursts x 128 bytes = 1 KiB
          DMALD
          DMAST
        DMALPEND lc0
        DMAMOV SAR, src+0x400       ; descriptor 2: src block 1 -> dst block 2
        DMAMOV DAR, dst+0x800
        DMALP lc0, 8                ; 8 bursts x 128 bytes = 1 KiB
          DMALD
          DMAST
        DMALPEND lc0
        DMAMOV SAR, src             ; descriptor 3: src block 0 -> dst block 3
        DMAMOV DAR, dst+0xc00
        DMALP lc0, 8                ; 8 bursts x 128 bytes = 1 KiB
          DMALD
          DMAST
        DMALPEND lc0
        DMAWMB                      ; every store has completed before the event says so
        DMASEV 0
        DMAEND
