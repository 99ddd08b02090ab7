package io.planline.exec.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.planline.backend.HostLeases;
import io.planline.backend.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

final class SplitBatchTest {

  private static HostTensor counting(String name, long[] shape) {
    float[] v = new float[Math.toIntExact(HostTensor.elements(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    return HostTensor.ofFloats(name, shape, v);
  }

  /** Doubles every input: a part's output holds the part's rows, as a model's would. */
  private static Mono<List<HostTensor>> doubled(List<HostTensor> inputs) {
    List<HostTensor> out = new ArrayList<>();
    for (HostTensor t : inputs) {
      float[] v = t.floats();
      for (int i = 0; i < v.length; i++) {
        v[i] *= 2;
      }
      out.add(HostTensor.ofFloats("y-" + t.name(), t.shape(), v));
    }
    return Mono.just(out).subscribeOn(Schedulers.parallel());
  }

  @Test
  void alongDimensionZero_partsSeeTheirRows_outputsConcatenatedInOrder() {
    HostTensor x = counting("x", new long[] {5, 3});
    HostTensor z = counting("z", new long[] {5, 2, 2});
    List<long[]> seen = new ArrayList<>();
    StepVerifier.create(SplitBatch.run(List.of(x, z), 0, new long[] {3, 2}, (i, in) -> {
      synchronized (seen) {
        seen.add(new long[] {i, in.get(0).shape()[0], (long) in.get(0).floats()[0]});
      }
      return doubled(in);
    })).assertNext(out -> {
      assertEquals(2, out.size());
      assertEquals("y-x", out.get(0).name());
      assertArrayEquals(new long[] {5, 3}, out.get(0).shape());
      assertArrayEquals(new long[] {5, 2, 2}, out.get(1).shape());
      float[] want = x.floats();
      for (int i = 0; i < want.length; i++) {
        want[i] *= 2;
      }
      assertArrayEquals(want, out.get(0).floats());
    }).expectComplete().verify(Duration.ofSeconds(10));
    seen.sort((a, b) -> Long.compare(a[0], b[0]));
    assertArrayEquals(new long[] {0, 3, 0}, seen.get(0));
    assertArrayEquals(new long[] {1, 2, 9}, seen.get(1), "part 1 starts at row 3, element 9");
  }

  @Test
  void alongDimensionOne_eachOuterIndexCutAndPutBack() {
    HostTensor x = counting("x", new long[] {2, 4, 3});
    StepVerifier.create(SplitBatch.run(List.of(x), 1, new long[] {2, 1, 1},
            (i, in) -> doubled(in)))
        .assertNext(out -> {
          float[] want = x.floats();
          for (int i = 0; i < want.length; i++) {
            want[i] *= 2;
          }
          assertArrayEquals(want, out.get(0).floats());
        }).expectComplete().verify(Duration.ofSeconds(10));
  }

  /**
   * A part that fails fails the request with its error; an output another part had already
   * lent is given back, not left to the collector.
   */
  @Test
  void aPartFails_requestFailsWithItsError_theOthersOutputsReleased() {
    HostTensor x = counting("x", new long[] {4, 2});
    AtomicInteger givenBack = new AtomicInteger();
    List<HostTensor> lent = new ArrayList<>();
    StepVerifier.create(SplitBatch.run(List.of(x), 0, new long[] {2, 2}, (i, in) -> {
      if (i == 1) {
        return Mono.delay(Duration.ofMillis(50))
            .then(Mono.error(new IllegalStateException("kernel failed in part 1")));
      }
      ByteBuffer root = ByteBuffer.allocateDirect(4 * 4).order(ByteOrder.LITTLE_ENDIAN);
      HostTensor out = HostLeases.lend(new HostTensor("y", in.get(0).dtype(),
          in.get(0).shape(), root), root, givenBack::incrementAndGet);
      lent.add(out);
      return Mono.just(List.of(out));
    })).expectErrorSatisfies(e -> assertEquals("kernel failed in part 1", e.getMessage()))
        .verify(Duration.ofSeconds(10));
    assertEquals(1, lent.size());
    assertFalse(HostLeases.isLent(lent.get(0)));
    assertEquals(1, givenBack.get());
  }

  @Test
  void partsOutputsReleasedOnceConcatenated() {
    HostTensor x = counting("x", new long[] {4, 2});
    AtomicInteger givenBack = new AtomicInteger();
    StepVerifier.create(SplitBatch.run(List.of(x), 0, new long[] {2, 2}, (i, in) -> {
      ByteBuffer root = ByteBuffer.allocateDirect(4 * 4).order(ByteOrder.LITTLE_ENDIAN);
      root.put(in.get(0).data().duplicate()).flip();
      return Mono.just(List.of(HostLeases.lend(new HostTensor("y", in.get(0).dtype(),
          in.get(0).shape(), root), root, givenBack::incrementAndGet)));
    })).assertNext(out -> assertArrayEquals(x.floats(), out.get(0).floats()))
        .expectComplete().verify(Duration.ofSeconds(10));
    assertEquals(2, givenBack.get());
  }

  @Test
  void fewerThanTwoParts_refused() {
    HostTensor x = counting("x", new long[] {4, 2});
    assertThrows(IllegalArgumentException.class,
        () -> SplitBatch.run(List.of(x), 0, new long[] {4}, (i, in) -> Mono.just(in)));
  }
}
