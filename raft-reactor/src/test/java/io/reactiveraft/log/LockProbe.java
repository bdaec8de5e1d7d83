package io.reactiveraft.log;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Run as its own process: tries to lock the file given as its argument, as another node would.
 * Exits 0 when it got the lock (the file was free), 3 when another process holds it.
 */
public final class LockProbe {

  private LockProbe() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      System.exit(lock == null ? 3 : 0);
    }
  }
}
