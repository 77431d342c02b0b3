/*
 * nodlclose.c - a dlclose that keeps every library loaded, preloaded into
 * the tests of the sanitizer build (tests/CMakeLists.txt).
 *
 * Open MPI, PMIx and hwloc open plugins and close the ones they do not use.
 * LeakSanitizer then meets, in the allocation stacks of their leaks, return
 * addresses in libraries no longer mapped: it cannot name them (so the
 * suppressions in lsan.supp cannot match) and re-reads /proc/self/maps for
 * each one, about 3 s of every a2d start at exit.  With the plugins kept,
 * the leak check takes about 0.3 s and every Open MPI leak is suppressed by
 * its library's name.  Built without the sanitizers: it is loaded before
 * their runtime.
 */
int dlclose(void *handle);

int dlclose(void *handle) {
  (void)handle;
  return 0;
}
