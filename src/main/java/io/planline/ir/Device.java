package io.planline.ir;

import static java.util.Objects.requireNonNull;

/**
 * A device as PyTorch names it: a type and an optional index ({@code cuda:0}, {@code cpu}).
 *
 * @param type device type, lower case ({@code cuda}, {@code cpu})
 * @param index device ordinal, or -1 when the name has none
 */
public record Device(String type, int index) {

  public static final Device CPU = new Device("cpu", -1);
  public static final Device CUDA0 = new Device("cuda", 0);

  public Device {
    requireNonNull(type, "type");
    if (!type.matches("[a-z_]+")) {
      throw new IllegalArgumentException("bad device type '" + type + "'");
    }
    if (index < -1) {
      throw new IllegalArgumentException("bad device index " + index);
    }
  }

  /**
   * Parses {@code type} or {@code type:index}.
   *
   * @throws IllegalArgumentException on anything else
   */
  public static Device parse(String text) {
    requireNonNull(text, "text");
    int colon = text.indexOf(':');
    if (colon < 0) {
      return new Device(text, -1);
    }
    try {
      return new Device(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad device '" + text + "': index is not a number");
    }
  }

  @Override
  public String toString() {
    return index < 0 ? type : type + ":" + index;
  }
}
