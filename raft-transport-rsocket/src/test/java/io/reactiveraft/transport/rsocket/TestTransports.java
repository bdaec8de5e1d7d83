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
        .connectTimeout(Duration.ofSeconds(2))
        .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(300));
  }
}
