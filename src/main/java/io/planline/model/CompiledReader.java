package io.planline.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.planline.kernel.NativeKernels;
import io.planline.kernel.TritonKernel;
import io.planline.model.ModelProgramReader.Fields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the {@code compiled} object of a version 2 program (docs/model-format.md): Inductor's
 * C++ kernels in a shared library ({@code inductor-cpp}) or its Triton kernels as GPU binaries
 * ({@code inductor-triton}). Files are only named here; {@link CompiledLoader} reads and checks
 * them.
 */
final class CompiledReader {

  private CompiledReader() {}

  static ModelProgram.Compiled read(Fields at, JsonNode n) {
    if (!n.isObject()) {
      throw at.fail("", "expected an object");
    }
    String kind = at.text(n, "kind");
    return switch (kind) {
      case "inductor-cpp" -> cpp(at, n);
      case "inductor-triton" -> triton(at, n);
      default -> throw at.fail("kind", "'" + kind + "' is not a kind this build runs "
          + "(inductor-cpp, inductor-triton)");
    };
  }

  private static ModelProgram.CppLibrary cpp(Fields at, JsonNode n) {
    JsonNode libs = at.array(n, "libraries");
    if (libs.isEmpty()) {
      throw at.fail("libraries", "no library listed");
    }
    // the AVX2 build first (every export has one); an instruction set this build does not know
    // (a newer exporter's) is passed over, not refused
    List<ModelProgram.CppBuild> builds = new ArrayList<>();
    for (String isa : List.of(ModelProgram.CppBuild.AVX2, ModelProgram.CppBuild.AVX512)) {
      for (JsonNode l : libs) {
        if (isa.equals(l.path("isa").asText())) {
          Fields lt = at.at("libraries (" + isa + ")");
          ModelProgram.CppBuild.Serial serial = null;
          if (l.has("serial")) {
            Fields st = lt.at("serial");
            JsonNode sn = lt.object(l, "serial");
            serial = new ModelProgram.CppBuild.Serial(
                plainFile(st, st.text(sn, "file"), "file"), st.text(sn, "sha256"));
          }
          builds.add(new ModelProgram.CppBuild(isa, plainFile(lt, lt.text(l, "file"), "file"),
              lt.text(l, "sha256"), serial));
          break;
        }
      }
    }
    if (builds.isEmpty() || !builds.get(0).isa().equals(ModelProgram.CppBuild.AVX2)) {
      throw at.fail("libraries", "no library for avx2, the instruction set this build runs");
    }
    Map<String, List<NativeKernels.Param>> kernels = new TreeMap<>();
    var it = at.object(n, "kernels").fields();
    while (it.hasNext()) {
      var e = it.next();
      Fields kt = at.at("kernels." + e.getKey());
      kernels.put(e.getKey(), params(kt, kt.array(e.getValue(), "params"), "params"));
    }
    String source = n.path("source").isTextual()
        ? plainFile(at, n.get("source").textValue(), "source") : null;
    return new ModelProgram.CppLibrary(builds, source, kernels);
  }

  private static ModelProgram.TritonBinaries triton(Fields at, JsonNode n) {
    Map<String, TritonKernel> kernels = new TreeMap<>();
    var it = at.object(n, "kernels").fields();
    while (it.hasNext()) {
      var e = it.next();
      Fields kt = at.at("kernels." + e.getKey());
      JsonNode k = e.getValue();
      List<String> args = new ArrayList<>();
      kt.array(k, "args").forEach(a -> args.add(a.asText()));
      List<NativeKernels.Param> kinds = params(kt, kt.array(k, "arg_kinds"), "arg_kinds");
      List<Integer> launched = new ArrayList<>();
      for (JsonNode i : kt.array(k, "launched")) {
        if (!i.canConvertToInt()) {
          throw kt.fail("launched", "expected argument indexes");
        }
        launched.add(i.asInt());
      }
      JsonNode g = kt.object(k, "grid");
      JsonNode blocks = g.path("blocks");
      String ptx = k.hasNonNull("ptx") ? plainPath(kt, k.get("ptx").asText(), "ptx") : null;
      try {
        TritonKernel.Grid grid = new TritonKernel.Grid(kt.text(g, "type"),
            blocks.path("XBLOCK").asLong(1), blocks.path("YBLOCK").asLong(1),
            blocks.path("ZBLOCK").asLong(1));
        kernels.put(e.getKey(), new TritonKernel(e.getKey(), kt.text(k, "entry"),
            plainPath(kt, kt.text(k, "cubin"), "cubin"), kt.text(k, "sha256"), ptx,
            number(kt, k, "num_warps"), number(kt, k, "shared_bytes"), args, kinds, launched,
            k.path("scratch").size(), grid));
      } catch (IllegalArgumentException ex) {
        throw kt.fail("", ex.getMessage());
      }
    }
    return new ModelProgram.TritonBinaries(n.path("capability").asText("unknown"), kernels);
  }

  private static int number(Fields at, JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw at.fail(field, v == null ? "missing" : "expected an integer");
    }
    return v.asInt();
  }

  private static List<NativeKernels.Param> params(Fields at, JsonNode list, String field) {
    List<NativeKernels.Param> params = new ArrayList<>();
    for (JsonNode p : list) {
      try {
        params.add(NativeKernels.Param.parse(p.asText()));
      } catch (IllegalArgumentException ex) {
        throw at.fail(field, ex.getMessage());
      }
    }
    return params;
  }

  private static String plainFile(Fields at, String file, String field) {
    if (file.contains("/") || file.contains("\\") || file.startsWith(".")) {
      throw at.fail(field, "'" + file + "' must be a plain file name in the model folder");
    }
    return file;
  }

  /** A relative path inside the model folder: plain names separated by '/', no '..'. */
  private static String plainPath(Fields at, String path, String field) {
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.startsWith(".") || part.contains("\\")) {
        throw at.fail(field, "'" + path + "' must be a relative path inside the model folder");
      }
    }
    return path;
  }
}
