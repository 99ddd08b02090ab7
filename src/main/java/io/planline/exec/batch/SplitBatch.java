package io.planline.exec.batch;

import io.planline.backend.HostTensor;
import java.util.List;
import java.util.function.BiFunction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One request run as parts along its batch dimension, side by side, and its outputs put back
 * together: the batcher's two directions the other way round (its inputs are cut, the parts'
 * outputs concatenated). Along dimension 0 the parts' inputs are slices of the request's bytes.
 */
public final class SplitBatch {

  private SplitBatch() {}

  /**
   * The outputs of {@code inputs} run as {@code rows.length} parts, part {@code i} taking the
   * next {@code rows[i]} entries of dimension {@code dim} of every input and run by
   * {@code part}, all of them at once; each output is the parts' outputs concatenated in order.
   * The parts' outputs are released once copied; where a part fails the others are cancelled
   * and whatever outputs came already are released.
   *
   * <p>Requires: two parts or more; the rows add up to every input's {@code dim}, and every output of a part holds
   * that part's rows along {@code dim}.
   */
  public static Mono<List<HostTensor>> run(List<HostTensor> inputs, int dim, long[] rows,
      BiFunction<Integer, List<HostTensor>, Mono<List<HostTensor>>> part) {
    if (rows.length < 2) {
      throw new IllegalArgumentException("a split needs two parts or more, got " + rows.length);
    }
    return Mono.defer(() -> {
      List<List<HostTensor>> parts = BatchTensors.split(inputs, rows, dim);
      return Flux.range(0, rows.length)
          .flatMapSequential(i -> part.apply(i, parts.get(i)), rows.length)
          .collectList()
          .map(outputs -> {
            try {
              return BatchTensors.concat(outputs, dim);
            } finally {
              outputs.forEach(HostTensor::releaseAll);
            }
          })
          .doOnDiscard(List.class, SplitBatch::releaseAll);
    });
  }

  /** Releases the tensors in {@code list}, and in the lists it holds. */
  private static void releaseAll(List<?> list) {
    for (Object o : list) {
      if (o instanceof HostTensor t) {
        t.release();
      } else if (o instanceof List<?> inner) {
        releaseAll(inner);
      }
    }
  }
}
