package io.reactiveraft.log;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first storage failure of one store. Once set, the store is fail-stop: every later write, save
 * and flush fails, because after a failed force the OS may already have dropped the dirty pages,
 * and a retry that succeeds would acknowledge data that is gone. Thread-safe.
 */
final class FailureLatch {

  private static final Logger log = LoggerFactory.getLogger(FailureLatch.class);

  private final String store;
  private final AtomicReference<Throwable> first = new AtomicReference<>();

  FailureLatch(String store) {
    this.store = store;
  }

  /**
   * Records {@code cause} unless a failure was recorded already. Not logged above DEBUG: the
   * failure reaches the caller through the failed flush or write (the node logs it as the reason it
   * stopped), and logging it here as well would report it twice.
   */
  void fail(Throwable cause) {
    if (first.compareAndSet(null, cause)) {
      log.debug("log store {} failed and accepts no more writes", store, cause);
    }
  }

  /** The first failure, or null. */
  Throwable failure() {
    return first.get();
  }

  /**
   * @throws IllegalStateException carrying the first failure, when there was one
   */
  void check() {
    Throwable cause = first.get();
    if (cause != null) {
      throw new IllegalStateException(
          "log store " + store + " failed earlier and accepts no more writes: " + cause, cause);
    }
  }
}
