package io.planline.io;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Just enough lexical knowledge of Python to read the statements Inductor prints: where a comment
 * starts, how to split an argument list at its top-level commas, which names a statement mentions,
 * and how to read a tuple of integers. Nothing is evaluated.
 *
 * <p>String literals are skipped by quote matching (single, double, with backslash escapes);
 * triple-quoted strings never occur inside a {@code call} body, so they are not handled here.
 */
final class PyText {

  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern INT = Pattern.compile("[0-9]+");
  /** A symbolic size such as {@code s0*512}: names, numbers and arithmetic, nothing else. */
  private static final Pattern SYMBOLIC = Pattern.compile("[A-Za-z0-9_ +*/%()\\-]+");

  private PyText() {}

  /** A call {@code callee(args)} followed by {@code rest} (e.g. {@code .as_strided(...)}). */
  record Call(String callee, List<String> args, String rest) {
    /** The value of keyword argument {@code key}, or null. */
    @Nullable String keyword(String key) {
      for (String a : args) {
        int eq = keywordEquals(a);
        if (eq > 0 && a.substring(0, eq).trim().equals(key)) {
          return a.substring(eq + 1).trim();
        }
      }
      return null;
    }

    /** The arguments without keywords, in order. */
    List<String> positional() {
      return args.stream().filter(a -> keywordEquals(a) < 0).toList();
    }
  }

  /** Index of the {@code =} of a {@code key=value} argument, or -1 for a positional one. */
  static int keywordEquals(String arg) {
    int eq = arg.indexOf('=');
    if (eq <= 0 || (eq + 1 < arg.length() && arg.charAt(eq + 1) == '=')) {
      return -1;
    }
    return IDENT.matcher(arg.substring(0, eq).trim()).matches() ? eq : -1;
  }

  /** Index of the {@code #} that starts a comment outside any string literal, or -1. */
  static int commentStart(String s) {
    int[] at = {-1};
    scanCode(s, 0, (i, c, depth) -> {
      if (c == '#') {
        at[0] = i;
        return false;
      }
      return true;
    });
    return at[0];
  }

  /** Net bracket depth of {@code s} outside strings and comments (positive: still open). */
  static int openBrackets(String s) {
    return scanCode(s, 0, (i, c, depth) -> c != '#');
  }

  /**
   * Splits {@code s} at {@code sep} where no bracket is open and no string runs; parts are trimmed
   * and a trailing empty part (the {@code (512, )} of a one-element tuple) is dropped.
   */
  static List<String> splitTopLevel(String s, char sep) {
    List<String> parts = new ArrayList<>();
    int[] start = {0};
    scanCode(s, 0, (i, c, depth) -> {
      if (c == sep && depth == 0) {
        parts.add(s.substring(start[0], i).trim());
        start[0] = i + 1;
      }
      return true;
    });
    String last = s.substring(start[0]).trim();
    if (!last.isEmpty()) {
      parts.add(last);
    }
    return parts;
  }

  /**
   * Reads {@code callee(args)rest}, where {@code callee} is a dotted name; null when {@code expr}
   * does not start with a call or its parentheses do not close.
   */
  static @Nullable Call call(String expr) {
    String e = expr.trim();
    int open = e.indexOf('(');
    if (open <= 0 || !e.substring(0, open).matches("[A-Za-z_][A-Za-z0-9_.]*")) {
      return null;
    }
    int close = matching(e, open);
    if (close < 0) {
      return null;
    }
    return new Call(e.substring(0, open), splitTopLevel(e.substring(open + 1, close), ','),
        e.substring(close + 1).trim());
  }

  /** Index of the bracket closing the one at {@code open}, or -1. */
  static int matching(String s, int open) {
    int[] at = {-1};
    scanCode(s, open, (i, c, depth) -> {
      if (depth == 1 && (c == ')' || c == ']' || c == '}')) {
        at[0] = i;
        return false;
      }
      return true;
    });
    return at[0];
  }

  /** Sees one character of code outside string literals, with the bracket depth before it. */
  private interface CodeVisitor {
    /** Returns false to stop the scan. */
    boolean visit(int index, char c, int depth);
  }

  /**
   * Walks {@code s} from {@code from}, skipping string literals (and escapes inside them) and
   * keeping the bracket depth; returns the depth where the scan ended. The one place that knows
   * Python's quoting, for every reader of raw code text here.
   */
  private static int scanCode(String s, int from, CodeVisitor visitor) {
    int depth = 0;
    char quote = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
        continue;
      }
      if (!visitor.visit(i, c, depth)) {
        return depth;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      }
    }
    return depth;
  }

  /**
   * The names a piece of code mentions: identifiers outside strings that are not attributes
   * ({@code x} in {@code a.x}) and not keyword names ({@code out} in {@code out=buf2}).
   */
  static Set<String> names(String code) {
    Set<String> out = new LinkedHashSet<>();
    int n = code.length();
    int[] next = {0}; // the scan skips ahead past a name or number already read
    scanCode(code, 0, (i, c, depth) -> {
      if (i < next[0]) {
        return true;
      }
      if (Character.isLetter(c) || c == '_') {
        int j = i;
        while (j < n && (Character.isLetterOrDigit(code.charAt(j)) || code.charAt(j) == '_')) {
          j++;
        }
        boolean attribute = i > 0 && code.charAt(i - 1) == '.';
        boolean keyword = j < n && code.charAt(j) == '='
            && (j + 1 >= n || code.charAt(j + 1) != '=');
        if (!attribute && !keyword) {
          out.add(code.substring(i, j));
        }
        next[0] = j;
      } else if (Character.isDigit(c)) {
        // skip numeric literals such as 1e5 so that their letters are not read as names
        int j = i + 1;
        while (j < n && (Character.isLetterOrDigit(code.charAt(j)) || code.charAt(j) == '.')) {
          j++;
        }
        next[0] = j;
      }
      return true;
    });
    return out;
  }

  /** Whether {@code s} is a plain Python identifier. */
  static boolean isIdentifier(String s) {
    return IDENT.matcher(s).matches();
  }

  /**
   * Reads a tuple of sizes such as {@code (32, 512)}, {@code (512, )} or {@code ()}.
   *
   * @return the values, or null when an element is symbolic ({@code s0*512}): readable, but not
   *     a number
   * @throws IllegalArgumentException when the text is not a tuple of sizes at all
   */
  static @Nullable List<Long> sizes(String text) {
    String t = text.trim();
    if (t.length() < 2 || t.charAt(0) != '(' || matching(t, 0) != t.length() - 1) {
      throw new IllegalArgumentException(
          "expected a tuple such as (32, 512), found '" + text + "'");
    }
    List<String> parts = splitTopLevel(t.substring(1, t.length() - 1), ',');
    List<Long> out = new ArrayList<>(parts.size());
    boolean symbolic = false;
    for (String p : parts) {
      if (INT.matcher(p).matches()) {
        try {
          out.add(Long.parseLong(p));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("size " + p + " in " + text + " is too large");
        }
      } else if (SYMBOLIC.matcher(p).matches() && !p.startsWith("-")
          && p.chars().anyMatch(Character::isLetter)) {
        symbolic = true;
      } else {
        throw new IllegalArgumentException("bad size '" + p + "' in " + text);
      }
    }
    return symbolic ? null : out;
  }

  /** Reads a non-negative integer literal, or returns -1 when {@code text} is not one. */
  static long integer(String text) {
    String t = text.trim();
    if (!INT.matcher(t).matches()) {
      return -1;
    }
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
