package io.reactiveraft.transport.rsocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports on 127.0.0.1 for demos, benchmarks and tests that start several members on one
 * machine, where every member's address must be known before any of them listens.
 *
 * <p>A port is chosen below the kernel's ephemeral range, so that no outgoing connection can take
 * it between the choice and the bind. Binding port 0 and releasing it, the usual trick, picks from
 * inside that range, and a connection opened meanwhile by the same process (a client, another
 * member dialling) is sometimes given the very port, so the bind fails with "Address already in
 * use". Ports are handed out in turn from a random start, so one process never hands out the same
 * port twice while any is left, and two processes rarely pick the same one; each is checked free
 * before it is returned.
 */
public final class LoopbackPorts {

  private static final String HOST = "127.0.0.1";

  /** Where Linux says its ephemeral ports start. */
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  /** The ephemeral range's start when the kernel does not say (Linux's default). */
  private static final int DEFAULT_EPHEMERAL_START = 32768;

  private static final int SPAN = 10_000;
  private static final int LOWEST = 1024;

  private static final int END = ephemeralStart();
  private static final int START = Math.max(LOWEST, END - SPAN);
  private static final AtomicInteger CURSOR =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(Math.max(1, END - START)));

  private LoopbackPorts() {}

  /**
   * A port on 127.0.0.1 that nothing listened on a moment ago, outside the ephemeral range.
   *
   * @throws IllegalStateException when every port of the range below the ephemeral one is taken
   */
  public static int next() {
    int size = END - START;
    if (size <= 0) {
      return anyFreePort(); // the ephemeral range starts too low to leave room below it
    }
    for (int attempt = 0; attempt < size; attempt++) {
      int port = START + Math.floorMod(CURSOR.getAndIncrement(), size);
      if (bindable(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port on " + HOST + " in " + START + ".." + (END - 1));
  }

  /** {@code 127.0.0.1:<port>} for a port from {@link #next}. */
  public static String nextAddress() {
    return HOST + ":" + next();
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int anyFreePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int ephemeralStart() {
    try {
      // Read line by line: some kernels' /proc files report a size that cuts readString short.
      String[] range = Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException e) {
      return DEFAULT_EPHEMERAL_START; // not Linux, or not readable: assume its default
    }
  }
}
