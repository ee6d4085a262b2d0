// Reference for the mmap-accessor row: volatile 32-bit loads or stores through a MAP_SHARED mapping of fd 3 (the same
// file pages the library maps), at the offsets the library loop uses. Prints nanoseconds per access.
// Usage: mmap-loop read|write ITERATIONS LENGTH   (LENGTH a power of two, a multiple of the page size)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  int write_mode = strcmp(argv[1], "write") == 0;
  long n = atol(argv[2]);
  long len = atol(argv[3]);
  void *m = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0);
  if (m == MAP_FAILED) return 1;
  volatile uint32_t *p = m;
  long mask = len / 4 - 1;
  uint32_t acc = 0;
  for (long i = 0; i < n / 10; i++) acc += p[i & mask];
  double t0 = now_ns();
  if (write_mode) {
    for (long i = 0; i < n; i++) p[i & mask] = (uint32_t)i;
  } else {
    for (long i = 0; i < n; i++) acc ^= p[i & mask]; // one ALU op per value, as the JS loop's `acc ^=`
  }
  double t1 = now_ns();
  printf("%.4f %u\n", (t1 - t0) / (double)n, acc);
  munmap(m, (size_t)len);
  return 0;
}
