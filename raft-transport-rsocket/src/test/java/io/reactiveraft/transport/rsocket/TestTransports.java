package io.reactiveraft.transport.rsocket;

import java.time.Duration;

/** Transports configured for tests: short timeouts, a fixed cluster id and secret. */
final class TestTransports {

  static final String CLUSTER = "test-cluster";
  static final String SECRET = "a shared secret of the test cluster";

  private TestTransports() {}

  /** A builder with the test cluster's credentials and test-friendly timeouts. */
  static RSocketTransportBuilder builder() {
    return RSocketTransport.builder()
        .clusterId(CLUSTER)
        .sharedSecret(SECRET)
        .ioThreads(1)
        .requestTimeout(Duration.ofSeconds(2))
        // Generous: a first connection in a fresh test JVM (Netty's and TLS's first use, PARANOID
        // leak detection) can take seconds on a loaded machine, and a message whose connection
        // attempt fails is dropped, not resent.
        .connectTimeout(Duration.ofSeconds(10))
        .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(300));
  }
}
