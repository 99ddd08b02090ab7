package io.planline.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * What a CUDA binary (cubin, an ELF file) declares about a kernel's parameters: the offset and
 * size of each, in order. Read from its {@code .nv.info.ENTRY} section, whose
 * {@code EIATTR_KPARAM_INFO} records (attribute 0x17, format 4: a 16-bit length and then index
 * u32, ordinal u16, offset u16, flags u32 with the size in its top 14 bits) are what the driver
 * itself uses to copy launch arguments. Checking a launch's packing against them needs no GPU,
 * and a mismatch caught here would otherwise be a kernel reading garbage.
 */
public final class CubinInfo {

  private static final int KPARAM_INFO = 0x17;

  private CubinInfo() {}

  /** One parameter as the binary lays it out. */
  public record Param(int offset, int size) {}

  /**
   * The parameters of kernel {@code entry} in {@code cubin}.
   *
   * @throws IllegalArgumentException saying what is wrong when the bytes are not a 64-bit ELF
   *     file or have no parameter table for {@code entry}
   */
  public static List<Param> params(byte[] cubin, String entry) {
    ByteBuffer b = ByteBuffer.wrap(cubin).order(ByteOrder.LITTLE_ENDIAN);
    if (cubin.length < 64 || b.getInt(0) != 0x464c457f || cubin[4] != 2) {
      throw new IllegalArgumentException("not a 64-bit ELF file (a cubin)");
    }
    try {
      long shoff = b.getLong(0x28);
      int entSize = Short.toUnsignedInt(b.getShort(0x3a));
      int count = Short.toUnsignedInt(b.getShort(0x3c));
      int namesIndex = Short.toUnsignedInt(b.getShort(0x3e));
      int namesAt = (int) b.getLong(Math.toIntExact(shoff + (long) namesIndex * entSize + 0x18));
      String wanted = ".nv.info." + entry;
      for (int i = 0; i < count; i++) {
        int at = Math.toIntExact(shoff + (long) i * entSize);
        if (wanted.equals(name(cubin, namesAt + b.getInt(at)))) {
          return kparams(b, Math.toIntExact(b.getLong(at + 0x18)),
              Math.toIntExact(b.getLong(at + 0x20)), entry);
        }
      }
    } catch (IndexOutOfBoundsException | ArithmeticException e) {
      throw new IllegalArgumentException("truncated or corrupt ELF file", e);
    }
    throw new IllegalArgumentException("no section " + ".nv.info." + entry
        + ": the binary has no kernel named " + entry);
  }

  private static List<Param> kparams(ByteBuffer b, int start, int length, String entry) {
    TreeMap<Integer, Param> byOrdinal = new TreeMap<>();
    int i = start;
    int end = start + length;
    while (i < end) {
      int format = Byte.toUnsignedInt(b.get(i));
      int attribute = Byte.toUnsignedInt(b.get(i + 1));
      switch (format) {
        case 4 -> {
          int size = Short.toUnsignedInt(b.getShort(i + 2));
          if (attribute == KPARAM_INFO) {
            int ordinal = Short.toUnsignedInt(b.getShort(i + 8));
            int offset = Short.toUnsignedInt(b.getShort(i + 10));
            int bytes = b.getInt(i + 12) >>> 18;
            byOrdinal.put(ordinal, new Param(offset, bytes));
          }
          i += 4 + size;
        }
        case 1 -> i += 2;
        default -> i += 4;
      }
    }
    List<Param> out = new ArrayList<>(byOrdinal.values());
    if (!byOrdinal.isEmpty() && byOrdinal.lastKey() != out.size() - 1) {
      throw new IllegalArgumentException(entry + ": parameter ordinals " + byOrdinal.keySet()
          + " have gaps");
    }
    return out;
  }

  private static String name(byte[] elf, int at) {
    int end = at;
    while (elf[end] != 0) {
      end++;
    }
    return new String(elf, at, end - at, StandardCharsets.US_ASCII);
  }
}
