package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

final class SizeExprTest {

  @Test
  void eval_productOfSymbolAndConstant_multiplies() {
    assertEquals(768 * 5, SizeExpr.parse("768*s0").eval(Map.of("s0", 5L)));
  }

  @Test
  void eval_precedenceAndParentheses_followPython() {
    Map<String, Long> s = Map.of("s0", 3L, "s1", 7L);
    assertEquals(2 + 3 * 7, SizeExpr.parse("2 + s0*s1").eval(s));
    assertEquals((2 + 3) * 7, SizeExpr.parse("(2 + s0)*s1").eval(s));
    assertEquals(Math.floorDiv(-7, 2), SizeExpr.parse("-s1 // 2").eval(s));
    assertEquals(1, SizeExpr.parse("s1 - 2*s0").eval(s));
  }

  @Test
  void symbols_expression_listsEachOnce() {
    assertEquals(Set.of("s0", "s1"), SizeExpr.parse("s0*s1 + s0").symbols());
    assertEquals("s0", SizeExpr.parse("s0").asSymbol());
    assertNull(SizeExpr.parse("2*s0").asSymbol());
  }

  @Test
  void parse_garbage_saysWhere() {
    var e = assertThrows(IllegalArgumentException.class, () -> SizeExpr.parse("3*(s0"));
    assertTrue(e.getMessage().contains("')'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SizeExpr.parse("3 $ 4"));
    assertTrue(e.getMessage().contains("position 2"), e.getMessage());
  }

  @Test
  void eval_unboundSymbolOrDivisionByZero_fails() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> SizeExpr.parse("s2*4").eval(Map.of("s0", 1L)));
    assertTrue(e.getMessage().contains("s2"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> SizeExpr.parse("4 // s0").eval(Map.of("s0", 0L)));
  }

  @Property
  void eval_linearExpression_matchesArithmetic(@ForAll @IntRange(min = -1000, max = 1000) int a,
      @ForAll @IntRange(min = 1, max = 1000) int b, @ForAll @IntRange(min = 1, max = 50) int s) {
    long v = SizeExpr.parse(a + " + " + b + "*s0 // 3").eval(Map.of("s0", (long) s));
    assertEquals(a + Math.floorDiv((long) b * s, 3), v);
  }
}
