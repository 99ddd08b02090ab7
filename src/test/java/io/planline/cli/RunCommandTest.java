package io.planline.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code run} verb: the sample by default, a V2 request file on demand, clear failures. */
final class RunCommandTest {

  @Test
  void run_builtInSample_printsOutputsErrorAndMemory() {
    PlanCommandTest.Result r = PlanCommandTest.run("run", "tiny-gpt", "--planner", "greedy-peak");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("logits float32 [2, 8, 256]"), r.out());
    Matcher m = Pattern.compile("relative error vs PyTorch sample .*: (\\S+)").matcher(r.out());
    assertTrue(m.find(), r.out());
    assertTrue(Double.parseDouble(m.group(1)) <= 1e-4, r.out());
    assertTrue(r.out().contains("planner greedy-peak") && r.out().contains("in use after 0 bytes"),
        r.out());
  }

  @Test
  void run_v2RequestFile_runsIt(@TempDir Path dir) throws IOException {
    Path req = dir.resolve("req.json");
    Files.writeString(req, "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,64],\"datatype\":\"FP32\","
        + "\"data\":[" + "1,".repeat(127) + "1]}]}");
    PlanCommandTest.Result r = PlanCommandTest.run("run", "digits-mlp", "--input", req.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("logits float32 [2, 10]"), r.out());
  }

  @Test
  void run_inductorKernels_profileNamesInductorsFusedKernels() {
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(
        Path.of("/proc/cpuinfo")) && "amd64".equals(System.getProperty("os.arch")));
    // digits-mlp compiled by Inductor: three addmm around two fused relu kernels and the scaling
    PlanCommandTest.Result r = PlanCommandTest.run("run", "digits-mlp", "--profile", "2",
        "--kernels", "inductor");
    assertEquals(0, r.status(), r.err());
    // the AVX-512 build where the processor has it, else the AVX2 one
    assertTrue(Pattern.compile(
        "kernels: Inductor's compiled kernels \\(kernels-avx(2|512)\\.so\\)").matcher(r.out())
        .find(), r.out());
    assertTrue(Pattern.compile("cpp_fused_\\w+ +1\\.0 ").matcher(r.out()).find(), r.out());
    assertTrue(Pattern.compile("aten\\.addmm\\.default +3\\.0 ").matcher(r.out()).find(),
        r.out());
  }

  @Test
  void run_integerOutput_comparedWithTheSampleElementForElement() {
    org.junit.jupiter.api.Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")));
    // (a // b) * 2 + 1 on int64: its output used to be read as float32 and the verb failed
    PlanCommandTest.Result r = PlanCommandTest.run("run",
        "src/test/resources/inductor-cpu/floor-divide");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("y int64 [2, 4]")
        && r.out().contains("equal to the PyTorch sample, element for element"), r.out());
  }

  @Test
  void run_missingInputFile_isAUsageErrorNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("absent.json");
    PlanCommandTest.Result r = PlanCommandTest.run("run", "digits-mlp", "--input",
        missing.toString());
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().contains("--input " + missing + ": no such file"), r.err());
    assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  @Test
  void run_unknownKernels_isAUsageError() {
    PlanCommandTest.Result r = PlanCommandTest.run("run", "digits-mlp", "--kernels", "fast");
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().contains("unknown kernels 'fast'; valid: auto, inductor, java"), r.err());
  }

  @Test
  void run_profile_countsEveryOperatorOfTheProgramPerRun() {
    // digits-mlp's program: three addmm, two relu, one mul.Scalar per request.
    PlanCommandTest.Result r = PlanCommandTest.run("run", "digits-mlp", "--profile", "3",
        "--kernels", "java");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("kernels: Java kernel library"), r.out());
    assertTrue(r.out().contains("profile: 3 runs after 3 warm-up runs"), r.out());
    Matcher spread = Pattern.compile("spread: a run p50 (\\S+), p90 (\\S+), p99 (\\S+) ms; in"
        + " kernels p50 (\\S+), p90 \\S+, p99 \\S+ ms; outside them p50 \\S+, p90 \\S+,"
        + " p99 \\S+ ms").matcher(r.out());
    assertTrue(spread.find(), r.out());
    double p50 = Double.parseDouble(spread.group(1));
    double p90 = Double.parseDouble(spread.group(2));
    double p99 = Double.parseDouble(spread.group(3));
    assertTrue(0 < p50 && p50 <= p90 && p90 <= p99, r.out());
    double kernelsP50 = Double.parseDouble(spread.group(4));
    assertTrue(0 < kernelsP50 && kernelsP50 <= p99, r.out());
    Matcher addmm = Pattern.compile("aten\\.addmm\\.default +3\\.0 +(\\S+) +(\\S+)%")
        .matcher(r.out());
    assertTrue(addmm.find(), r.out());
    assertTrue(Double.parseDouble(addmm.group(1)) > 0, r.out());
    assertTrue(Pattern.compile("aten\\.relu\\.default +2\\.0 ").matcher(r.out()).find(),
        r.out());
    assertTrue(Pattern.compile("aten\\.mul\\.Scalar +1\\.0 ").matcher(r.out()).find(),
        r.out());
  }

  @Test
  void percentiles_nearestRank_inputLeftAsItWas() {
    long[] nanos = new long[100];
    for (int i = 0; i < nanos.length; i++) {
      nanos[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms
    }
    long[] copy = nanos.clone();
    assertEquals("p50 50.000, p90 90.000, p99 99.000 ms", RunCommand.percentiles(nanos));
    assertArrayEquals(copy, nanos);
    assertEquals("p50 2.500, p90 2.500, p99 2.500 ms",
        RunCommand.percentiles(new long[] {2_500_000L}));
    // three runs: p50 is the second, p90 and p99 the slowest
    assertEquals("p50 2.000, p90 7.000, p99 7.000 ms",
        RunCommand.percentiles(new long[] {7_000_000L, 1_000_000L, 2_000_000L}));
  }

  @Test
  void run_negativeProfile_exit2WithReason() {
    PlanCommandTest.Result r = PlanCommandTest.run("run", "digits-mlp", "--profile", "-1");
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().contains("--profile must be >= 0"), r.err());
  }

  @Test
  void run_badShapeOrUnknownModel_exit2WithReason(@TempDir Path dir) throws IOException {
    Path req = dir.resolve("req.json");
    Files.writeString(req, "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\","
        + "\"data\":[1,2,3]}]}");
    PlanCommandTest.Result r = PlanCommandTest.run("run", "digits-mlp", "--input", req.toString());
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().contains("dimension 1 must be 64"), r.err());
    r = PlanCommandTest.run("run", "resnet");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("unknown built-in model 'resnet'"), r.err());
  }
}
