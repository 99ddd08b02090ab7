package io.planline.server;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, for checking a dashboard's and the alert rules'
 * queries against a live scrape. A small lexer rather than a full parser: it drops what cannot
 * be a metric name (string literals, label matchers in braces, ranges and subqueries in
 * brackets, label lists after {@code by}/{@code without}/{@code on}/{@code ignoring}/
 * {@code group_left}/{@code group_right}, numbers and durations, {@code offset} and {@code @}
 * modifiers), then takes every remaining identifier that is neither a keyword nor followed by
 * an opening parenthesis (a function or aggregation). Grafana's {@code $variables} only occur
 * inside matchers and ranges here, so they go with them.
 */
final class PromQlNames {

  private static final Pattern STRING = Pattern.compile(
      "\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern LABEL_LIST = Pattern.compile(
      "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
  private static final Pattern MODIFIER = Pattern.compile("\\b(?:offset|@)\\s*-?[\\w.$]+|@\\s*\\S+");
  private static final Pattern TOKEN = Pattern.compile(
      "(?<number>(?:0x[0-9a-fA-F]+|[0-9][0-9.]*(?:[eE][+-]?[0-9]+)?)[a-zA-Z]*)"
          + "|(?<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset",
      "inf", "nan", "by", "without", "on", "ignoring", "group_left", "group_right", "atan2");

  private PromQlNames() {}

  /** The metric names {@code expr} selects, in the order they first appear. */
  static Set<String> of(String expr) {
    String s = STRING.matcher(expr).replaceAll(" ");
    s = dropBracketed(s, '{', '}');
    s = dropBracketed(s, '[', ']');
    // label lists nest no parentheses once matchers are gone; repeat for group_left(...) after on(...)
    String before;
    do {
      before = s;
      s = LABEL_LIST.matcher(s).replaceAll(" ");
    } while (!s.equals(before));
    s = MODIFIER.matcher(s).replaceAll(" ");
    Set<String> out = new LinkedHashSet<>();
    Matcher m = TOKEN.matcher(s);
    while (m.find()) {
      String ident = m.group("ident");
      if (ident == null || KEYWORDS.contains(ident.toLowerCase(java.util.Locale.ROOT))) {
        continue;
      }
      int next = m.end();
      while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
        next++;
      }
      if (next < s.length() && s.charAt(next) == '(') {
        continue; // a function or an aggregation
      }
      out.add(ident);
    }
    return out;
  }

  /**
   * The first argument of a Grafana {@code label_values(selector, label)} variable query (the
   * metric selector), or the whole query when it is plain PromQL.
   */
  static String variableSelector(String query) {
    Matcher m = Pattern.compile("^\\s*label_values\\s*\\((.*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)\\s*$")
        .matcher(query);
    return m.matches() ? m.group(1) : query;
  }

  /** {@code s} with every {@code open...close} span (not nested) replaced by a space. */
  private static String dropBracketed(String s, char open, char close) {
    StringBuilder out = new StringBuilder(s.length());
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == open) {
        depth++;
      } else if (c == close && depth > 0) {
        depth--;
        out.append(' ');
      } else if (depth == 0) {
        out.append(c);
      }
    }
    if (depth != 0) {
      throw new IllegalArgumentException("unbalanced " + open + close + " in PromQL: " + s);
    }
    return out.toString();
  }
}
