package io.planline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bits of Python lexing the output-code reader relies on. */
final class PyTextTest {

  @Test
  void commentStart_hashInsideString_isNotAComment() {
    String s = "assert_alignment(buf1, 16, 'a#b')  # reuse";
    assertEquals(s.indexOf("  #") + 2, PyText.commentStart(s));
    assertEquals(-1, PyText.commentStart("f('#', \"#\")"));
  }

  @Test
  void splitTopLevel_nestedBracketsAndTrailingComma_keptTogether() {
    assertEquals(List.of("buf0", "(8, 4)", "f(a, [1, 2])", "k='x,y'"),
        PyText.splitTopLevel("buf0, (8, 4), f(a, [1, 2]), k='x,y', ", ','));
    assertEquals(List.of(), PyText.splitTopLevel("", ','));
  }

  @Test
  void names_skipsAttributesKeywordsStringsAndNumbers() {
    assertEquals(Set.of("extern_kernels", "arg0_1", "buf3", "reinterpret_tensor"),
        PyText.names("extern_kernels.mm(arg0_1, reinterpret_tensor(buf3, (2, ), (1, ), 0), "
            + "out=buf3, alpha=1e5, s='buf9')"));
  }

  @Test
  void sizes_literalTuples_read() {
    assertEquals(List.of(32L, 512L), PyText.sizes("(32, 512)"));
    assertEquals(List.of(512L), PyText.sizes("(512, )"));
    assertEquals(List.of(), PyText.sizes("()"));
  }

  @Test
  void sizes_symbolicDimension_isNull() {
    assertNull(PyText.sizes("(s0, 512)"));
    assertNull(PyText.sizes("(2*s0, 512)"));
  }

  @Test
  void sizes_malformed_rejected() {
    assertThrows(IllegalArgumentException.class, () -> PyText.sizes("(32 512)"));
    assertThrows(IllegalArgumentException.class, () -> PyText.sizes("(-1, 4)"));
    assertThrows(IllegalArgumentException.class, () -> PyText.sizes("[32, 512]"));
    assertThrows(IllegalArgumentException.class, () -> PyText.sizes("(32, 512"));
  }

  @Test
  void call_dottedCalleeWithSuffix_split() {
    PyText.Call c = PyText.call(
        "empty_strided_cuda((4, ), (1, ), torch.float32).as_strided((2, ), (1, ))");
    assertEquals("empty_strided_cuda", c.callee());
    assertEquals(3, c.args().size());
    assertEquals(".as_strided((2, ), (1, ))", c.rest());
    assertNull(PyText.call("buf1[0]"));
  }
}
