// What entering an OpenMP parallel region costs here, and what one kernel of a compiled kernel
// library costs per call (docs/benchmarks.md, "Inductor's kernels without OpenMP"):
//   gcc -O2 -fopenmp tools/omp_region_cost.c -o /tmp/omp_region_cost -ldl
//   OMP_NUM_THREADS=1 /tmp/omp_region_cost [LIBRARY KERNEL FLOATS]
// KERNEL is called as void KERNEL(float *, int64_t ks0) on FLOATS floats with ks0 = 1 (the shape
// of digits-cnn's cpp_fused_relu_2, 64 floats). Prints microseconds per call, three rounds.
#include <dlfcn.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static volatile int sink;

int main(int argc, char **argv) {
  const int n = 200000;
  for (int round = 0; round < 3; round++) {
    double t0 = now_ns();
    for (int i = 0; i < n; i++) {
#pragma omp parallel
      {
        int tid = omp_get_thread_num();
#pragma omp for
        for (int j = 0; j < 4; j++) sink += tid;
      }
    }
    printf("empty parallel region with a for: %.3f us (%d threads)\n",
           (now_ns() - t0) / 1e3 / n, omp_get_max_threads());
  }
  if (argc < 4) return 0;
  void *lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  void (*kernel)(float *, int64_t) = (void (*)(float *, int64_t))dlsym(lib, argv[2]);
  if (!kernel) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  float *data = calloc((size_t)atol(argv[3]), sizeof(float));
  for (int round = 0; round < 3; round++) {
    double t0 = now_ns();
    for (int i = 0; i < n; i++) kernel(data, 1);
    printf("%s from %s: %.3f us\n", argv[2], argv[1], (now_ns() - t0) / 1e3 / n);
  }
  free(data);
  return 0;
}
