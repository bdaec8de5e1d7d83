package io.reactiveraft.log;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.MappedByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases a mapping at once instead of when the garbage collector finds its buffer unreachable.
 *
 * <p>Java 17 has no public unmap; {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported,
 * reached by reflection so the build needs no flags) runs the buffer's cleaner now. Touching the
 * buffer afterwards would crash the JVM, so callers unmap only a buffer nobody can reach any more:
 * {@link Segment} counts its readers and unmaps when the last one leaves. When the method is not
 * available the mapping is left to the garbage collector, which is always safe, only slower to give
 * the address space and a deleted file's blocks back.
 */
final class Unmapper {

  private static final Logger log = LoggerFactory.getLogger(Unmapper.class);
  private static final Object UNSAFE;
  private static final Method INVOKE_CLEANER;

  static {
    Object unsafe = null;
    Method invokeCleaner = null;
    try {
      Class<?> type = Class.forName("sun.misc.Unsafe");
      Field field = type.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      unsafe = field.get(null);
      invokeCleaner = type.getMethod("invokeCleaner", java.nio.ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info("mapped log segments will be unmapped by the garbage collector: {}", e.toString());
    }
    UNSAFE = unsafe;
    INVOKE_CLEANER = invokeCleaner;
  }

  private Unmapper() {}

  /** Unmaps {@code buffer} now if the JVM allows it; otherwise leaves it to the collector. */
  static void unmap(MappedByteBuffer buffer) {
    if (INVOKE_CLEANER == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invoke(UNSAFE, buffer);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("could not unmap a log segment; the garbage collector will: {}", e.toString());
    }
  }
}
