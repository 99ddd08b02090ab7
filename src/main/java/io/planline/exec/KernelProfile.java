package io.planline.exec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where a model's time goes, per operator: an observer that adds up {@link #kernelRan} reports
 * by kernel name. On the CPU backend these are the kernels' run times; on CUDA only the enqueue
 * times (the device runs them later).
 */
public final class KernelProfile implements RuntimeObserver {

  /** One operator's totals. */
  public record Row(String kernel, long calls, long nanos) {}

  private final Map<String, LongAdder[]> totals = new ConcurrentHashMap<>();

  @Override
  public void kernelRan(String kernel, long nanos) {
    LongAdder[] t = totals.computeIfAbsent(kernel, k -> new LongAdder[] {new LongAdder(),
        new LongAdder()});
    t[0].increment();
    t[1].add(nanos);
  }

  /** Forgets everything recorded so far (after a warm-up, say). */
  public void reset() {
    totals.clear();
  }

  /** Nanoseconds recorded so far, every operator together. */
  public long totalNanos() {
    long sum = 0;
    for (LongAdder[] t : totals.values()) {
      sum += t[1].sum();
    }
    return sum;
  }

  /** The totals per operator, most time first. */
  public List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    totals.forEach((k, t) -> rows.add(new Row(k, t[0].sum(), t[1].sum())));
    rows.sort(Comparator.comparingLong(Row::nanos).reversed().thenComparing(Row::kernel));
    return rows;
  }
}
