// Peak RSS of one command, measured from a process small enough not to matter: Linux counts the RSS a child had
// before exec in its ru_maxrss, so a child forked straight from the (large) bench process would report the bench's
// memory. Runs CMD, writes its ru_maxrss in KiB to OUTFILE, and exits with CMD's status.
// Usage: peak-rss OUTFILE CMD [ARG...]
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  pid_t pid;
  if (posix_spawnp(&pid, argv[2], NULL, NULL, &argv[2], environ) != 0) return 127;
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid) return 1;
  FILE *f = fopen(argv[1], "w");
  if (!f) return 1;
  fprintf(f, "%ld\n", ru.ru_maxrss);
  fclose(f);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
