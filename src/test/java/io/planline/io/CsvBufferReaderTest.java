package io.planline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Graph;
import io.planline.plan.LiveRange;
import io.planline.plan.Liveness;
import io.planline.plan.LowerBound;
import io.planline.testing.Shared;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class CsvBufferReaderTest {

  static Graph read(String text) throws IOException {
    return CsvBufferReader.read("t.csv", new StringReader(text)).graphs().get(0);
  }

  @Test
  void read_halfOpenLifetimes_touchingBuffersDoNotOverlap() throws IOException {
    Graph g = read("id,lower,upper,size\na,0,3,4\nb,3,9,4\nc,0,9,4\n");
    Map<String, LiveRange> r = new java.util.HashMap<>();
    Liveness.of(g).forEach(x -> r.put(x.name(), x));
    assertEquals(3, r.size());
    assertTrue(!r.get("a").overlapsInTime(r.get("b")), "a ends where b starts: they may share");
    assertTrue(r.get("a").overlapsInTime(r.get("c")));
    assertTrue(r.get("b").overlapsInTime(r.get("c")));
    assertEquals(8, LowerBound.of(Liveness.of(g), 1));
  }

  /** The lower bounds the benchmark README lists for each shared instance. */
  @ParameterizedTest
  @CsvSource({
    "examples/input.12.csv, 5, 12",
    "challenging/A.1048576.csv, 154, 1048576",
    "challenging/D.1048576.csv, 213, 986112",
    "idealloc/somas_tensors/resnet50.csv, 1042, 1515472556",
    "idealloc/iopddl/Y_1.csv, 62185, 497261190115"})
  void read_sharedInstance_matchesPublishedCountAndBound(String file, int buffers, long bound) {
    Graph g = CsvBufferReader.read(Shared.minimalloc().resolve(file)).graphs().get(0);
    List<LiveRange> ranges = Liveness.of(g);
    assertEquals(buffers, ranges.size());
    assertEquals(bound, LowerBound.of(ranges, CsvBufferReader.ALIGNMENT));
  }

  @Test
  void read_olderHeader_inclusiveEndIsConverted() throws IOException {
    Graph g = read("buffer,start,end,size\na,0,2,4\nb,3,5,4\n");
    assertEquals(4, LowerBound.of(Liveness.of(g), 1), "[0,2] and [3,5] do not overlap");
  }

  private static String failure(String text) {
    return assertThrows(ProgramFormatException.class, () -> read(text)).getMessage();
  }

  @Test
  void read_badRows_sayLineAndField() {
    assertTrue(failure("").contains("empty file"));
    assertTrue(failure("name,size\n").contains("lacks one of id, lower, upper, size"));
    assertTrue(failure("id,lower,upper,size\na,0,x,4\n").contains("line 2, field upper"));
    assertTrue(failure("id,lower,upper,size\na,0,3,4\nb,1,2,-5\n").contains("line 3"));
    assertTrue(failure("id,lower,upper,size\na,5,5,4\n").contains("empty lifetime [5, 5)"));
    assertTrue(failure("id,lower,upper,size\na,0,3,4\na,1,2,1\n")
        .contains("duplicate buffer id 'a'"));
    assertTrue(failure("id,lower,upper,size\na,0\n").contains("expected 4 fields"));
  }
}
