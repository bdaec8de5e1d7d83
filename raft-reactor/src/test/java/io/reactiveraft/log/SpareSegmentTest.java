package io.reactiveraft.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SpareSegmentTest {

  @Test
  void anErrorWhileAllocatingLeavesTheNextSegmentToTheIoThreadInsteadOfHangingIt()
      throws Exception {
    StorageDirectory failing = new ThrowingDirectory(new OutOfMemoryError("no room for the spare"));
    SpareSegment spare = new SpareSegment(failing, 4096, SpareSegment.onOwnThread("spare-test"));
    spare.prepare();
    // take waits for the allocation; run it off the test thread so a hang fails, not blocks.
    CompletableFuture<StorageFile> taken =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return spare.take("segment", ByteBuffer.allocate(0));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertThat(taken.get(30, TimeUnit.SECONDS)).as("no spare: the caller creates it").isNull();
  }

  /** A directory whose file creation throws {@code failure}. */
  private record ThrowingDirectory(Error failure) implements StorageDirectory {
    @Override
    public String describe(String name) {
      return name;
    }

    @Override
    public List<String> list() {
      return List.of();
    }

    @Override
    public StorageFile create(String name, int size) {
      throw failure;
    }

    @Override
    public StorageFile open(String name) throws IOException {
      throw new IOException("no such file: " + name);
    }

    @Override
    public void rename(String from, String to) {}

    @Override
    public void delete(String name) {}

    @Override
    public void syncDirectory() {}

    @Override
    public void close() {}
  }
}
