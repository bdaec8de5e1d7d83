package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

/** Ports and threads on 127.0.0.1, for tests. */
final class Loopback {

  static final String HOST = "127.0.0.1";

  private Loopback() {}

  /** A free port outside the ephemeral range ({@link LoopbackPorts}). */
  static int freePort() {
    return LoopbackPorts.next();
  }

  /** {@code 127.0.0.1:<free port>}. */
  static String freeAddress() {
    return LoopbackPorts.nextAddress();
  }

  static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  /** Asserts that nothing listens on {@code port} any more: it can be bound again. */
  static void assertPortFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
    } catch (IOException e) {
      throw new AssertionError("port " + port + " is still in use", e);
    }
  }

  /** The live threads whose names start with {@code prefix}. */
  static List<String> threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(prefix))
        .toList();
  }

  /** Waits for every thread named {@code prefix...} to end. */
  static void assertNoThreads(String prefix) {
    Await.until(
        () -> threadsNamed(prefix).isEmpty(),
        Duration.ofSeconds(10),
        "threads " + prefix + "* end; still running: " + threadsNamed(prefix));
    assertThat(threadsNamed(prefix)).isEmpty();
  }
}
