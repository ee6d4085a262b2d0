// Reference for the register-access row: ITERATIONS preads of 4 bytes on fd 3 (the same open file the library reads),
// at the offsets the library loop uses (a 4-byte step through the first 4 KiB). Prints nanoseconds per pread.
// Usage: pread-loop ITERATIONS   (fd 3 open for reading, at least 4096 bytes long)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  long n = atol(argv[1]);
  uint32_t v = 0, acc = 0;
  // Warm-up, as the JS side gets one: page cache and branch predictors.
  for (long i = 0; i < n / 10; i++) {
    if (pread(3, &v, 4, (i & 1023) * 4) != 4) return 1;
  }
  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (pread(3, &v, 4, (i & 1023) * 4) != 4) return 1;
    acc ^= v;
  }
  double t1 = now_ns();
  printf("%.4f %u\n", (t1 - t0) / (double)n, acc);
  return 0;
}
