/*
 * A CUDA injection library that writes every kernel, memory copy and memset the process runs on
 * the device, with its device start and end, to a CSV file, for tools/gpu/kernel_gaps.py. The
 * lent GPU machine has CUPTI but no Nsight Systems, and this needs nothing from the traced
 * program: the CUDA driver loads the library named in CUDA_INJECTION64_PATH at its first call
 * and calls InitializeInjection.
 *
 *   gcc -shared -fPIC -O2 -I$CUDA/include tools/gpu/cupti_trace.c -L$CUPTI_LIB -lcupti \
 *       -o /tmp/libcupti_trace.so
 *   CUDA_INJECTION64_PATH=/tmp/libcupti_trace.so PLANLINE_CUPTI_CSV=/tmp/trace.csv java ...
 *
 * Columns: kind (kernel, memcpy, memset), start_ns, end_ns, name (the kernel's name, or the copy
 * kind's number), graph_node (non-zero when the activity was replayed from a CUDA graph), stream.
 */
#include <cupti.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUFFER_BYTES (8u << 20)

static FILE *out;

static void CUPTIAPI requested(uint8_t **buffer, size_t *size, size_t *max_records) {
  /* CUPTI wants 8-byte aligned buffers; malloc gives at least that. */
  *buffer = malloc(BUFFER_BYTES);
  *size = *buffer ? BUFFER_BYTES : 0;
  *max_records = 0;
}

static void write_record(CUpti_Activity *record) {
  switch (record->kind) {
    case CUPTI_ACTIVITY_KIND_KERNEL:
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
      CUpti_ActivityKernel10 *k = (CUpti_ActivityKernel10 *) record;
      fprintf(out, "kernel,%llu,%llu,%s,%llu,%u\n", (unsigned long long) k->start,
              (unsigned long long) k->end, k->name ? k->name : "?",
              (unsigned long long) k->graphNodeId, k->streamId);
      break;
    }
    case CUPTI_ACTIVITY_KIND_MEMCPY: {
      CUpti_ActivityMemcpy6 *m = (CUpti_ActivityMemcpy6 *) record;
      fprintf(out, "memcpy,%llu,%llu,memcpy kind %u,%llu,%u\n", (unsigned long long) m->start,
              (unsigned long long) m->end, (unsigned) m->copyKind,
              (unsigned long long) m->graphNodeId, m->streamId);
      break;
    }
    case CUPTI_ACTIVITY_KIND_MEMSET: {
      CUpti_ActivityMemset4 *m = (CUpti_ActivityMemset4 *) record;
      fprintf(out, "memset,%llu,%llu,memset,%llu,%u\n", (unsigned long long) m->start,
              (unsigned long long) m->end, (unsigned long long) m->graphNodeId, m->streamId);
      break;
    }
    default:
      break;
  }
}

static void CUPTIAPI completed(CUcontext context, uint32_t stream, uint8_t *buffer, size_t size,
                               size_t valid) {
  (void) context;
  (void) stream;
  (void) size;
  CUpti_Activity *record = NULL;
  while (cuptiActivityGetNextRecord(buffer, valid, &record) == CUPTI_SUCCESS) {
    write_record(record);
  }
  size_t dropped = 0;
  if (cuptiActivityGetNumDroppedRecords(context, stream, &dropped) == CUPTI_SUCCESS && dropped) {
    fprintf(stderr, "cupti_trace: %zu records dropped\n", dropped);
  }
  free(buffer);
}

static void finish(void) {
  cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
  if (out) {
    fclose(out);
    out = NULL;
  }
}

static int enable(CUpti_ActivityKind kind, const char *what) {
  CUptiResult status = cuptiActivityEnable(kind);
  if (status != CUPTI_SUCCESS) {
    const char *text = "?";
    cuptiGetResultString(status, &text);
    fprintf(stderr, "cupti_trace: cannot record %s: %s\n", what, text);
    return 1;
  }
  return 0;
}

int InitializeInjection(void) {
  const char *path = getenv("PLANLINE_CUPTI_CSV");
  out = fopen(path ? path : "cupti-trace.csv", "w");
  if (!out) {
    perror("cupti_trace: cannot open the output");
    return 0;
  }
  fprintf(out, "kind,start_ns,end_ns,name,graph_node,stream\n");
  if (cuptiActivityRegisterCallbacks(requested, completed) != CUPTI_SUCCESS) {
    fprintf(stderr, "cupti_trace: cannot register CUPTI's buffer callbacks\n");
    return 0;
  }
  int failed = enable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, "kernels")
      + enable(CUPTI_ACTIVITY_KIND_MEMCPY, "memory copies")
      + enable(CUPTI_ACTIVITY_KIND_MEMSET, "memsets");
  atexit(finish);
  return failed == 0;
}
