package io.planline.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Dockerfile read into its stages, for structure checks where no Docker engine runs: line
 * continuations joined, global {@code ARG} defaults substituted into {@code FROM}, and each
 * stage's instructions kept in order.
 */
final class Dockerfiles {

  /** One build stage: its base image (or earlier stage), its name, and its instructions. */
  record Stage(int line, String from, String name, List<String> instructions) {

    /** The instructions starting with {@code keyword} (upper case), without the keyword. */
    List<String> all(String keyword) {
      List<String> out = new ArrayList<>();
      for (String i : instructions) {
        if (i.startsWith(keyword + " ")) {
          out.add(i.substring(keyword.length() + 1).trim());
        }
      }
      return out;
    }
  }

  private static final Pattern FROM = Pattern.compile(
      "FROM\\s+(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE);
  private static final Pattern VAR = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)");
  /** A tag with a full version (major.minor at least), or a digest. */
  private static final Pattern PINNED = Pattern.compile(
      "[^:@]+(?::[^:@]*\\d+\\.\\d+[^:@]*)?(?:@sha256:[0-9a-f]{64})?");

  private Dockerfiles() {}

  /** The stages of {@code text}, in order. */
  static List<Stage> stages(String text) {
    Map<String, String> args = new HashMap<>();
    List<Stage> out = new ArrayList<>();
    String[] lines = text.replace("\\\n", " ").split("\n", -1);
    // line numbers count joined lines as one; good enough to find the FROM in a message
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher from = FROM.matcher(line);
      if (from.matches()) {
        out.add(new Stage(n + 1, substitute(from.group(1), args), from.group(2),
            new ArrayList<>()));
      } else if (out.isEmpty() && line.toUpperCase(java.util.Locale.ROOT).startsWith("ARG ")) {
        String[] kv = line.substring(4).trim().split("=", 2);
        args.put(kv[0], kv.length == 2 ? kv[1] : "");
      } else if (!out.isEmpty()) {
        String keyword = line.split("\\s+", 2)[0].toUpperCase(java.util.Locale.ROOT);
        out.get(out.size() - 1).instructions().add(keyword + line.substring(keyword.length()));
      }
    }
    return out;
  }

  private static String substitute(String image, Map<String, String> args) {
    Matcher m = VAR.matcher(image);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      String value = args.get(name);
      if (value == null) {
        throw new IllegalArgumentException("FROM " + image + ": ARG " + name
            + " has no default before the first FROM");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** "line N: FROM image" for every base image that is neither an earlier stage nor pinned. */
  static List<String> unpinned(List<Stage> stages) {
    List<String> out = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Stage s : stages) {
      boolean earlier = names.contains(s.from());
      boolean pinned = PINNED.matcher(s.from()).matches()
          && (s.from().contains(":") || s.from().contains("@"));
      if (!earlier && (!pinned || s.from().endsWith(":latest"))) {
        out.add("line " + s.line() + ": FROM " + s.from() + " is not pinned to a version");
      }
      if (s.name() != null) {
        names.add(s.name());
      }
    }
    return out;
  }
}
