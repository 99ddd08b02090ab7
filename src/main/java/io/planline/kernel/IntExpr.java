package io.planline.kernel;

import org.jspecify.annotations.Nullable;

/**
 * Checks an integer argument written as an expression over symbols (grammar of model-format.md:
 * integers, symbol names, {@code + - * //}, parentheses, unary minus) and folds it to a constant
 * when it names no symbol.
 *
 * <pre>
 *   expr   := term (('+' | '-') term)*
 *   term   := unary (('*' | '//') unary)*
 *   unary  := '-' unary | atom
 *   atom   := INT | NAME | '(' expr ')'
 * </pre>
 */
final class IntExpr {

  private final String text;
  private int pos;
  private boolean symbolic;

  private IntExpr(String text) {
    this.text = text;
  }

  /**
   * The value of {@code text}, or null when it names a symbol.
   *
   * @throws IllegalArgumentException if the text is not an expression of the grammar
   */
  static @Nullable Long valueOf(String text) {
    IntExpr p = new IntExpr(text);
    long v = p.expr();
    p.skipSpace();
    if (p.pos != text.length()) {
      throw p.error("unexpected '" + text.charAt(p.pos) + "'");
    }
    return p.symbolic ? null : v;
  }

  private long expr() {
    long v = term();
    while (true) {
      skipSpace();
      if (eat("+")) {
        v += term();
      } else if (eat("-")) {
        v -= term();
      } else {
        return v;
      }
    }
  }

  private long term() {
    long v = unary();
    while (true) {
      skipSpace();
      if (eat("//")) {
        long d = unary();
        if (d == 0 && !symbolic) {
          throw error("division by zero");
        }
        v = d == 0 ? 0 : Math.floorDiv(v, d);
      } else if (eat("*")) {
        v *= unary();
      } else {
        return v;
      }
    }
  }

  private long unary() {
    skipSpace();
    return eat("-") ? -unary() : atom();
  }

  private long atom() {
    skipSpace();
    if (eat("(")) {
      long v = expr();
      skipSpace();
      if (!eat(")")) {
        throw error("missing ')'");
      }
      return v;
    }
    int start = pos;
    if (pos < text.length() && Character.isDigit(text.charAt(pos))) {
      while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
        pos++;
      }
      try {
        return Long.parseLong(text.substring(start, pos));
      } catch (NumberFormatException e) {
        throw error("integer out of range");
      }
    }
    if (pos < text.length() && isNameStart(text.charAt(pos))) {
      while (pos < text.length() && isNamePart(text.charAt(pos))) {
        pos++;
      }
      symbolic = true;
      return 1;
    }
    throw error(pos < text.length() ? "unexpected '" + text.charAt(pos) + "'" : "unexpected end");
  }

  private boolean eat(String token) {
    if (text.startsWith(token, pos)) {
      pos += token.length();
      return true;
    }
    return false;
  }

  private void skipSpace() {
    while (pos < text.length() && text.charAt(pos) == ' ') {
      pos++;
    }
  }

  private IllegalArgumentException error(String problem) {
    return new IllegalArgumentException("not an integer expression: '" + text + "' (" + problem
        + " at " + pos + ")");
  }

  static boolean isNameStart(char c) {
    return Character.isLetter(c) || c == '_';
  }

  static boolean isNamePart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  /** Whether {@code s} is a Python identifier (a buffer, view, input or weight name). */
  static boolean isName(String s) {
    if (s.isEmpty() || !isNameStart(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      if (!isNamePart(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
