package io.planline.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code planline.*} settings as {@code application.yml} declares them, for
 * {@code serve --help}: each key with its default and the comment written above it. Read from
 * the file itself, so the help lists exactly the keys and defaults this build starts with, and a
 * key another change adds shows up without touching the CLI.
 */
final class ConfigKeys {

  /** One setting: its dotted key under {@code planline.}, its default, and its comment. */
  record Key(String name, String defaultValue, String comment) {}

  /** A commented-out key with an example value: {@code # model-repository: /mnt/models}. */
  private static final Pattern COMMENTED_KEY = Pattern.compile("([a-z][a-z0-9-]*):\\s+(\\S.*)");

  private ConfigKeys() {}

  /** The keys of the {@code planline:} section of the classpath's {@code application.yml}. */
  static List<Key> fromClasspath() {
    try (@Nullable InputStream in = ConfigKeys.class.getResourceAsStream("/application.yml")) {
      if (in == null) {
        throw new IllegalStateException("application.yml is not on the classpath");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read application.yml", e);
    }
  }

  /**
   * The keys of the {@code planline:} section of a YAML text written the way application.yml
   * is: one key per line, comments above what they describe, mappings by indentation. A list
   * becomes one key whose default is its items' {@code name}s; a mapping's own comment goes to
   * a {@code NAME.*} entry; a key written commented out ({@code # key: example}) is a setting
   * with no default.
   */
  static List<Key> parse(String yaml) {
    List<Key> out = new ArrayList<>();
    Deque<Integer> indents = new ArrayDeque<>(); // indentation of each open mapping
    Deque<String> path = new ArrayDeque<>();
    StringBuilder comment = new StringBuilder();
    boolean inside = false;
    @Nullable Key list = null; // the key whose value is the list being read, if any
    int listIndent = -1;
    for (String raw : yaml.split("\n")) {
      String line = raw.stripTrailing();
      String text = line.strip();
      int indent = line.length() - line.stripLeading().length();
      if (!inside) {
        inside = line.equals("planline:");
        continue;
      }
      if (text.isEmpty()) {
        continue;
      }
      if (indent == 0) {
        break; // the next top-level section
      }
      if (text.startsWith("#")) {
        String body = text.substring(1).strip();
        Matcher unset = COMMENTED_KEY.matcher(body);
        if (unset.matches()) {
          // a key written commented out: a setting with no default, the value an example
          while (!indents.isEmpty() && indents.peek() >= indent) {
            indents.pop();
            path.pop();
          }
          listIndent = -1;
          String name = String.join(".", reversed(path)) + (path.isEmpty() ? "" : ".")
              + unset.group(1);
          out.add(new Key(name, "", (comment + " Unset by default; for example "
              + unset.group(2) + ".").strip()));
          comment.setLength(0);
          list = null;
          continue;
        }
        comment.append(comment.length() > 0 ? " " : "").append(body);
        continue;
      }
      if (list != null && (text.startsWith("- ") || listIndent >= 0 && indent > listIndent)) {
        // inside a list: its items' own keys are not settings of their own
        listIndent = indents.isEmpty() ? 0 : indents.peek();
        if (text.startsWith("- name:")) {
          String name = text.substring("- name:".length()).strip();
          list = new Key(list.name(), list.defaultValue().isEmpty() ? name
              : list.defaultValue() + ", " + name, list.comment());
          out.set(out.size() - 1, list);
        }
        continue;
      }
      listIndent = -1;
      while (!indents.isEmpty() && indents.peek() >= indent) {
        indents.pop();
        path.pop();
      }
      list = null;
      int colon = text.indexOf(':');
      String key = text.substring(0, colon).strip();
      String value = text.substring(colon + 1).strip();
      String name = String.join(".", reversed(path)) + (path.isEmpty() ? "" : ".") + key;
      if (value.isEmpty()) {
        // a mapping (or a list, whose items follow): its comment describes all it holds
        indents.push(indent);
        path.push(key);
        out.add(new Key(name, "", comment.toString()));
        list = out.get(out.size() - 1);
      } else {
        out.add(new Key(name, value, comment.toString()));
      }
      comment.setLength(0);
    }
    if (!inside) {
      throw new IllegalArgumentException("application.yml has no top-level 'planline:' section");
    }
    // a mapping is written as NAME.*; a list keeps its name and the items' names as default
    List<Key> named = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      Key k = out.get(i);
      boolean mapping = k.defaultValue().isEmpty() && i + 1 < out.size()
          && out.get(i + 1).name().startsWith(k.name() + ".");
      named.add(mapping ? new Key(k.name() + ".*", "", k.comment()) : k);
    }
    return named;
  }

  private static List<String> reversed(Deque<String> path) {
    List<String> out = new ArrayList<>(path);
    java.util.Collections.reverse(out);
    return out;
  }

  /** The keys as help text: "  key = default" and the comment wrapped below it. */
  static String help(List<Key> keys, int width) {
    StringBuilder sb = new StringBuilder();
    for (Key k : keys) {
      sb.append("  planline.").append(k.name());
      if (!k.defaultValue().isEmpty()) {
        sb.append(" = ").append(k.defaultValue());
      }
      sb.append("%n");
      wrap(sb, k.comment(), "      ", width);
    }
    return sb.toString();
  }

  private static void wrap(StringBuilder sb, String text, String indent, int width) {
    StringBuilder line = new StringBuilder();
    for (String word : text.split("\\s+")) {
      if (word.isEmpty()) {
        continue;
      }
      if (line.length() > 0 && indent.length() + line.length() + 1 + word.length() > width) {
        sb.append(indent).append(line).append("%n");
        line.setLength(0);
      }
      line.append(line.length() > 0 ? " " : "").append(word.replace("%", "%%"));
    }
    if (line.length() > 0) {
      sb.append(indent).append(line).append("%n");
    }
  }
}
