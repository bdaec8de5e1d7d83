package io.reactiveraft.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;
import reactor.core.publisher.Sinks;

/**
 * Signals to the Monos and Fluxes callers wait on. A caller's subscriber runs on the thread that
 * signals it, the event loop or the apply thread, so an exception it throws would unwind the node's
 * own work: stop the node from the loop, or skip the applies after it on the apply thread. Such an
 * exception is the caller's bug; it is logged here and goes no further.
 */
final class CallerSignals {

  private static final Logger log = LoggerFactory.getLogger(CallerSignals.class);

  private CallerSignals() {}

  static <T> void value(Sinks.One<T> sink, T value) {
    signal(() -> sink.tryEmitValue(value));
  }

  static void empty(Sinks.Empty<?> sink) {
    signal(sink::tryEmitEmpty);
  }

  static void error(Sinks.Empty<?> sink, Throwable error) {
    signal(() -> sink.tryEmitError(error));
  }

  static <T> void next(Sinks.Many<T> sink, T value) {
    signal(() -> sink.tryEmitNext(value));
  }

  static void complete(Sinks.Many<?> sink) {
    signal(sink::tryEmitComplete);
  }

  static void error(Sinks.Many<?> sink, Throwable error) {
    signal(() -> sink.tryEmitError(error));
  }

  private static void signal(Runnable emission) {
    try {
      emission.run();
    } catch (Throwable e) {
      thrown(e);
    }
  }

  /**
   * A caller's subscriber threw while it was signalled; rethrows only what the JVM cannot survive.
   */
  static void thrown(Throwable e) {
    Exceptions.throwIfJvmFatal(e);
    log.warn("a subscriber threw while it was being signalled; ignored", e);
  }
}
