package io.planline.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks the files of a tree of kustomizations without kustomize: every path a
 * {@code kustomization.yaml} names (resources, patches, generator files, configurations) exists,
 * and a directory named as a resource is itself a kustomization. Each problem names the file, the
 * field and the entry, so a failure says what to fix without rendering anything.
 */
final class Kustomizations {

  private Kustomizations() {}

  /** Every {@code kustomization.yaml} under {@code root}, sorted. */
  static List<Path> find(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.getFileName().toString().equals("kustomization.yaml"))
          .sorted().toList();
    }
  }

  /** The kustomization file as a mapping. */
  static Map<String, Object> read(Path kustomization) throws IOException {
    try (InputStream in = Files.newInputStream(kustomization)) {
      Object doc = new Yaml().load(in);
      if (!(doc instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException(kustomization + ": not a YAML mapping");
      }
      @SuppressWarnings("unchecked") // checked just above to be a mapping; keys are YAML keys
      Map<String, Object> map = (Map<String, Object>) m;
      return map;
    }
  }

  /** Problems of every kustomization under {@code root}; empty when all is well. */
  static List<String> problems(Path root) throws IOException {
    List<String> out = new ArrayList<>();
    for (Path k : find(root)) {
      Map<String, Object> doc = read(k);
      Path dir = k.getParent();
      if (!List.of("Kustomization", "Component").contains(doc.get("kind"))) {
        out.add(k + ": kind is " + doc.get("kind") + ", not Kustomization or Component");
      }
      for (String field : List.of("resources", "components")) {
        int i = 0;
        for (Object r : list(doc.get(field))) {
          String where = k + ": " + field + "[" + i++ + "] '" + r + "'";
          Path p = dir.resolve(String.valueOf(r)).normalize();
          boolean kustomized = Files.isRegularFile(p.resolve("kustomization.yaml"));
          if (!Files.exists(p)) {
            out.add(where + " does not exist");
          } else if (Files.isDirectory(p) && !kustomized) {
            out.add(where + " is a directory without kustomization.yaml");
          } else if (field.equals("components") && !kustomized) {
            out.add(where + " is not a kustomize component directory");
          }
        }
      }
      int i = 0;
      for (Object patch : list(doc.get("patches"))) {
        Object path = patch instanceof Map<?, ?> m ? m.get("path") : patch;
        if (path != null && !Files.isRegularFile(dir.resolve(String.valueOf(path)))) {
          out.add(k + ": patches[" + i + "] path '" + path + "' does not exist");
        }
        i++;
      }
      for (Object gen : list(doc.get("configMapGenerator"))) {
        Object name = gen instanceof Map<?, ?> m ? m.get("name") : "?";
        Object files = gen instanceof Map<?, ?> m ? m.get("files") : null;
        for (Object f : list(files)) {
          // an entry may be "key=path"
          String file = String.valueOf(f).replaceFirst("^[^=]*=", "");
          if (!Files.isRegularFile(dir.resolve(file))) {
            out.add(k + ": configMapGenerator " + name + " file '" + file + "' does not exist");
          }
        }
      }
      for (Object c : list(doc.get("configurations"))) {
        if (!Files.isRegularFile(dir.resolve(String.valueOf(c)))) {
          out.add(k + ": configurations entry '" + c + "' does not exist");
        }
      }
    }
    return out;
  }

  /** {@code images[].newTag} of one kustomization, by image name. */
  static Map<String, String> imageTags(Path kustomization) throws IOException {
    Map<String, String> out = new java.util.TreeMap<>();
    for (Object image : list(read(kustomization).get("images"))) {
      if (image instanceof Map<?, ?> m && m.get("newTag") != null) {
        out.put(String.valueOf(m.get("name")), String.valueOf(m.get("newTag")));
      }
    }
    return out;
  }

  private static List<?> list(Object o) {
    return o instanceof List<?> l ? l : List.of();
  }
}
