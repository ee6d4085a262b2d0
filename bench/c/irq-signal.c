// The other process of the interrupt row: signals eventfd 3 COUNT times and times each round trip until the waiter
// (the library's Irq.wait or irq-wait.c) acknowledges on eventfd 4. Before each signal it sleeps DELAY_US so the
// waiter is asleep in poll, as it would be for a real interrupt. Prints one round trip in nanoseconds per line.
// Usage: irq-signal COUNT DELAY_US   (fd 3: the waiter's eventfd, fd 4: the acknowledgement eventfd, both O_NONBLOCK)
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int wait_ack(void) {
  struct pollfd p = {.fd = 4, .events = POLLIN};
  uint64_t v;
  for (;;) {
    if (poll(&p, 1, 10000) != 1) return -1;
    if (read(4, &v, 8) == 8) return 0;
  }
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  long count = atol(argv[1]);
  long delay_us = atol(argv[2]);
  int64_t *rtt = calloc((size_t)count, sizeof *rtt);
  if (!rtt || wait_ack() != 0) return 1; // the waiter says it is ready
  struct timespec d = {.tv_sec = 0, .tv_nsec = delay_us * 1000};
  uint64_t one = 1;
  for (long k = 0; k < count; k++) {
    nanosleep(&d, NULL);
    int64_t t0 = now_ns();
    if (write(3, &one, 8) != 8) return 1;
    if (wait_ack() != 0) return 1;
    rtt[k] = now_ns() - t0;
  }
  for (long k = 0; k < count; k++) printf("%lld\n", (long long)rtt[k]);
  return 0;
}
