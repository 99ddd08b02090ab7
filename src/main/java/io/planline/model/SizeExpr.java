package io.planline.model;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An integer expression over symbolic dimensions, as exported programs write sizes
 * ({@code 64*s0}, {@code (s0*s1)//2 + 1}): integers, symbol names, {@code + - * //} and
 * parentheses. Parsed once; evaluated per request binding.
 */
public final class SizeExpr {

  /** A parsed expression node. */
  private sealed interface Node permits Num, Sym, Bin, Neg {}

  private record Num(long value) implements Node {}

  private record Sym(String name) implements Node {}

  private record Bin(char op, Node left, Node right) implements Node {}

  private record Neg(Node operand) implements Node {}

  private final String text;
  private final Node root;

  private SizeExpr(String text, Node root) {
    this.text = text;
    this.root = root;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException saying where the text stops making sense
   */
  public static SizeExpr parse(String text) {
    requireNonNull(text, "text");
    Parser p = new Parser(text);
    Node n = p.sum();
    p.skipSpaces();
    if (p.pos != text.length()) {
      throw new IllegalArgumentException("bad size expression '" + text + "': unexpected '"
          + text.charAt(p.pos) + "' at position " + p.pos);
    }
    return new SizeExpr(text, n);
  }

  /** An expression that is just {@code value}. */
  public static SizeExpr of(long value) {
    return new SizeExpr(Long.toString(value), new Num(value));
  }

  /**
   * The value under {@code symbols}.
   *
   * @throws IllegalArgumentException naming a symbol that has no value, or a division by zero
   */
  public long eval(Map<String, Long> symbols) {
    return eval(root, symbols);
  }

  /** The symbols the expression mentions. */
  public Set<String> symbols() {
    Set<String> out = new TreeSet<>();
    collect(root, out);
    return out;
  }

  /** The bare symbol this expression is, or null when it is anything else. */
  public @org.jspecify.annotations.Nullable String asSymbol() {
    return root instanceof Sym s ? s.name() : null;
  }

  @Override
  public String toString() {
    return text;
  }

  private long eval(Node n, Map<String, Long> symbols) {
    if (n instanceof Num num) {
      return num.value();
    }
    if (n instanceof Sym s) {
      Long v = symbols.get(s.name());
      if (v == null) {
        throw new IllegalArgumentException("size expression '" + text + "': symbol " + s.name()
            + " has no value (bound: " + symbols.keySet() + ")");
      }
      return v;
    }
    if (n instanceof Neg neg) {
      return -eval(neg.operand(), symbols);
    }
    Bin b = (Bin) n;
    long l = eval(b.left(), symbols);
    long r = eval(b.right(), symbols);
    return switch (b.op()) {
      case '+' -> Math.addExact(l, r);
      case '-' -> Math.subtractExact(l, r);
      case '*' -> Math.multiplyExact(l, r);
      case '/' -> {
        if (r == 0) {
          throw new IllegalArgumentException("size expression '" + text + "': division by zero");
        }
        yield Math.floorDiv(l, r);
      }
      default -> throw new IllegalStateException("operator " + b.op());
    };
  }

  private static void collect(Node n, Set<String> out) {
    if (n instanceof Sym s) {
      out.add(s.name());
    } else if (n instanceof Bin b) {
      collect(b.left(), out);
      collect(b.right(), out);
    } else if (n instanceof Neg neg) {
      collect(neg.operand(), out);
    }
  }

  /** Recursive descent: sum := product (('+'|'-') product)*; product := unary (('*'|'//') unary)*. */
  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) {
      this.s = s;
    }

    Node sum() {
      Node n = product();
      while (true) {
        skipSpaces();
        if (peek('+') || peek('-')) {
          char op = s.charAt(pos++);
          n = new Bin(op, n, product());
        } else {
          return n;
        }
      }
    }

    Node product() {
      Node n = unary();
      while (true) {
        skipSpaces();
        if (s.startsWith("//", pos)) {
          pos += 2;
          n = new Bin('/', n, unary());
        } else if (peek('*')) {
          pos++;
          n = new Bin('*', n, unary());
        } else {
          return n;
        }
      }
    }

    Node unary() {
      skipSpaces();
      if (peek('-')) {
        pos++;
        return new Neg(unary());
      }
      if (peek('(')) {
        pos++;
        Node n = sum();
        skipSpaces();
        if (!peek(')')) {
          throw error("expected ')'");
        }
        pos++;
        return n;
      }
      int start = pos;
      if (pos < s.length() && Character.isDigit(s.charAt(pos))) {
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
          pos++;
        }
        return new Num(Long.parseLong(s.substring(start, pos)));
      }
      if (pos < s.length() && (Character.isLetter(s.charAt(pos)) || s.charAt(pos) == '_')) {
        while (pos < s.length()
            && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
          pos++;
        }
        return new Sym(s.substring(start, pos));
      }
      throw error("expected a number, a symbol or '('");
    }

    boolean peek(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }

    void skipSpaces() {
      while (pos < s.length() && s.charAt(pos) == ' ') {
        pos++;
      }
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("bad size expression '" + s + "': " + what
          + " at position " + pos);
    }
  }
}
