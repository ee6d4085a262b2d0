// Reference for the lab row: the register read the library does, on the same VFIO device fd (inherited as fd 3) at
// the same file offset, inside the QEMU arm64 lab. Freestanding (raw arm64 syscalls, no libc) so that the bare
// aarch64-linux-gnu-gcc cross compiler builds it with -O2 -static -nostdlib, without an arm64 libc to link against.
// Usage: vfio-pread pread ITERATIONS OFFSET    -> ITERATIONS preads of 4 bytes at OFFSET; prints "ns-per-read acc"
//        vfio-pread mmap ITERATIONS MAPOFF REG -> maps 4096 bytes at MAPOFF, ITERATIONS volatile 32-bit loads stepping
//                                                 through the 8 registers from REG (REG + (i & 7) * 4), as the JS loop does
typedef unsigned long u64;
typedef unsigned int u32;

static long sys6(long nr, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
  return x0;
}

// arm64 generic syscall numbers.
#define NR_WRITE 64
#define NR_PREAD64 67
#define NR_EXIT 93
#define NR_CLOCK_GETTIME 113
#define NR_MMAP 222

struct ts { long sec, nsec; };

static u64 now_ns(void) {
  struct ts t;
  sys6(NR_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, (long)&t, 0, 0, 0, 0);
  return (u64)t.sec * 1000000000ul + (u64)t.nsec;
}

static u64 parse(const char *s) {
  u64 v = 0, base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
  for (; *s; s++) {
    u64 d = *s >= '0' && *s <= '9' ? (u64)(*s - '0') : *s >= 'a' && *s <= 'f' ? (u64)(*s - 'a' + 10) : *s >= 'A' && *s <= 'F' ? (u64)(*s - 'A' + 10) : 99;
    if (d >= base) break;
    v = v * base + d;
  }
  return v;
}

static int same(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

// Append v in decimal to p; returns the new end.
static char *put(char *p, u64 v) {
  char tmp[24];
  int n = 0;
  do tmp[n++] = (char)('0' + v % 10), v /= 10; while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static int run(int argc, char **argv) {
  if (argc < 4) return 2;
  long n = (long)parse(argv[2]);
  long off = (long)parse(argv[3]);
  if (n <= 0) return 2;
  u32 v = 0, acc = 0;
  u64 t0, t1;
  if (same(argv[1], "pread")) {
    for (long i = 0; i < n / 10; i++) // warm-up, as the JS side gets one
      if (sys6(NR_PREAD64, 3, (long)&v, 4, off, 0, 0) != 4) return 1;
    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      if (sys6(NR_PREAD64, 3, (long)&v, 4, off, 0, 0) != 4) return 1;
      acc ^= v;
    }
    t1 = now_ns();
  } else if (same(argv[1], "mmap") && argc == 5) {
    long reg = (long)parse(argv[4]);
    long m = sys6(NR_MMAP, 0, 4096, 1 /* PROT_READ */, 1 /* MAP_SHARED */, 3, off);
    if (m < 0 && m > -4096) return 1;
    volatile u32 *p = (volatile u32 *)(m + reg);
    for (long i = 0; i < n / 10; i++) acc ^= p[i & 7];
    t0 = now_ns();
    for (long i = 0; i < n; i++) acc ^= p[i & 7];
    t1 = now_ns();
  } else {
    return 2;
  }
  // Nanoseconds per access with 4 decimals, then the accumulator (keeps the loop's loads alive).
  u64 scaled = (t1 - t0) * 10000ul / (u64)n;
  char out[64], *p = out;
  p = put(p, scaled / 10000);
  *p++ = '.';
  u64 frac = scaled % 10000;
  for (u64 d = 1000; d; d /= 10) *p++ = (char)('0' + frac / d % 10);
  *p++ = ' ';
  p = put(p, acc);
  *p++ = '\n';
  sys6(NR_WRITE, 1, (long)out, p - out, 0, 0, 0);
  return 0;
}

// The kernel enters here with sp pointing at argc, then argv[]. Not static: the asm stub below branches to it by name.
__attribute__((used)) void start_c(long *sp) {
  int code = run((int)sp[0], (char **)(sp + 1));
  sys6(NR_EXIT, code, 0, 0, 0, 0, 0);
  for (;;) {}
}

__asm__(".text\n.global _start\n_start:\n  mov x0, sp\n  b start_c\n");
