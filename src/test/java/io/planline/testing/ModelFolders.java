package io.planline.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small model folders (program.json plus a one-tensor safetensors file) for tests. */
public final class ModelFolders {

  private ModelFolders() {}

  /** Writes {@code program} and a float32 weight {@code key} of {@code shape} into {@code dir}. */
  public static Path write(Path dir, String program, String key, long[] shape, float[] values)
      throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("program.json"), program);
    String header = "{\"" + key + "\":{\"dtype\":\"F32\",\"shape\":"
        + java.util.Arrays.toString(shape) + ",\"data_offsets\":[0," + values.length * 4 + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + values.length * 4)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    for (float v : values) {
      b.putFloat(v);
    }
    Files.write(dir.resolve("weights.safetensors"), b.array());
    return dir;
  }
}
