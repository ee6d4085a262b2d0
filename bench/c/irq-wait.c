// Reference waiter of the interrupt row: poll(2) + read(2) on eventfd 3 COUNT times, acknowledging each wakeup on
// eventfd 4 (and once at the start, to say it is ready), exactly as the library side does with Irq.wait.
// Usage: irq-wait COUNT   (fd 3: the eventfd signalled by irq-signal, fd 4: the acknowledgement eventfd)
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  long count = atol(argv[1]);
  uint64_t one = 1, v;
  if (write(4, &one, 8) != 8) return 1;
  struct pollfd p = {.fd = 3, .events = POLLIN};
  for (long k = 0; k < count;) {
    if (poll(&p, 1, 10000) != 1) return 1;
    if (read(3, &v, 8) != 8) continue; // spurious: nothing counted
    if (write(4, &one, 8) != 8) return 1;
    k++;
  }
  return 0;
}
