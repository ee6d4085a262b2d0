; Copy 4096 bytes from the buffer named src to the buffer named dst, then raise event 0 and end.
; Run:  vfio-plat --sim pl330 exec 2c0a0000.dma examples/pl330/copy.s --buffer src=4096:random --buffer dst=4096
; `src` and `dst` are the --buffer names: pl330 exec puts their device addresses (IOVAs behind an IOMMU, physical
; addresses on noiommu) where the program names them.
        DMAMOV SAR, src
        DMAMOV DAR, dst
        ; 16 beats of 8 bytes per burst, both addresses incrementing; SP2/DP2: Non-secure, unprivileged data accesses
        ; (a Non-secure channel asking for Secure accesses faults with ch_rdwr_err).
        DMAMOV CCR, SB16 SS64 SAI SP2 DB16 DS64 DAI DP2
        DMALP lc0, 32           ; 32 bursts x 128 bytes = 4096 bytes
          DMALD
          DMAST
        DMALPEND lc0
        DMAWMB                  ; every store has completed before the event says so
        DMASEV 0
        DMAEND
