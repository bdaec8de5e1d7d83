package io.reactiveraft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The next segment's file, allocated ahead of time on a thread of its own, so that the IO thread
 * does not stop appending while a new segment's zeros are written and forced (about 230 + 45 ms for
 * 64 MiB on this project's machine, during which every flush waits).
 *
 * <p>The spare is an ordinary temporary file ({@value #NAME}): allocated by {@link
 * StorageDirectory#create} and forced whole, so that its blocks and zeros are on disk before it
 * holds a record. Taking it installs it like any new segment ({@link StorageDirectory#install}):
 * header written and forced, renamed, directory synced. A crash before that leaves only a temporary
 * file, which the store deletes at open; the guarantees of a new segment are those of {@link
 * StorageDirectory#createDurably}.
 *
 * <p>Threads: {@link #prepare}, {@link #take} and {@link #close} are called by the IO thread only;
 * the allocation runs on the given executor: in production a daemon thread started per spare
 * ({@link #onOwnThread}); tests of a simulated directory run it on the IO thread, so that every run
 * performs the same file operations in the same order.
 */
final class SpareSegment {

  /** The spare's file name; one spare at a time. */
  static final String NAME = "next-segment" + StorageDirectory.TEMP_SUFFIX;

  private static final Logger log = LoggerFactory.getLogger(SpareSegment.class);

  private final StorageDirectory dir;
  private final int size;
  private final Executor executor;

  /** The spare being prepared or ready; null when none was asked for since the last take. */
  private CompletableFuture<StorageFile> spare;

  /**
   * @param size the size of every segment
   * @param executor runs each allocation
   */
  SpareSegment(StorageDirectory dir, int size, Executor executor) {
    this.dir = dir;
    this.size = size;
    this.executor = executor;
  }

  /** An executor that starts a daemon thread named {@code threadName} per allocation. */
  static Executor onOwnThread(String threadName) {
    return task -> {
      Thread thread = new Thread(task, threadName);
      thread.setDaemon(true);
      thread.start();
    };
  }

  /**
   * Starts allocating a spare unless one is ready or on its way. Never fails: a spare that cannot
   * be started is one the next segment does without.
   */
  void prepare() {
    if (spare != null) {
      return;
    }
    CompletableFuture<StorageFile> next = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              next.complete(allocate());
            } catch (Throwable e) {
              // Whatever ends this thread must complete the future: the IO thread waits on it.
              next.completeExceptionally(e);
              if (e instanceof Error error) {
                throw error;
              }
            }
          });
    } catch (RuntimeException | OutOfMemoryError e) {
      // No thread to be had ("unable to create native thread"): the spare is an optimization.
      log.warn("could not start allocating the next log segment ahead of time", e);
      return;
    }
    spare = next;
  }

  private StorageFile allocate() throws IOException {
    dir.delete(NAME); // a spare left by a store that could not delete it
    StorageFile file = dir.create(NAME, size);
    try {
      file.force(0, size);
      return file;
    } catch (RuntimeException e) {
      file.close();
      try {
        dir.delete(NAME); // its space is the inline fallback's
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Installs the spare as the segment {@code name} with {@code header}, waiting for it if it is
   * still being allocated. Returns null when no spare was prepared, or when preparing it failed
   * (the caller then creates the segment itself, and meets the same error if it persists).
   *
   * @throws IOException when installing the spare fails
   */
  StorageFile take(String name, ByteBuffer header) throws IOException {
    StorageFile file = await();
    if (file == null) {
      return null;
    }
    return dir.install(file, NAME, name, header);
  }

  private StorageFile await() {
    CompletableFuture<StorageFile> taken = spare;
    spare = null;
    if (taken == null) {
      return null;
    }
    try {
      // Uninterruptibly: the IO thread is never interrupted, and walking away from an allocation
      // still under way would let it race the next one for the same file name.
      return taken.join();
    } catch (CompletionException e) {
      log.warn("allocating the next log segment ahead of time failed", e.getCause());
      return null;
    }
  }

  /** Waits for a spare on its way, then releases and deletes it. */
  void close() {
    StorageFile file = await();
    if (file == null) {
      return;
    }
    file.close();
    try {
      dir.delete(NAME);
    } catch (IOException e) {
      log.debug("could not delete the spare log segment; it goes at the next open", e);
    }
  }
}
