package io.reactiveraft.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

  @Test
  void portsComeFromBelowTheEphemeralRangeAndAreNotHandedOutTwice() throws Exception {
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    int ephemeralStart =
        Files.isReadable(range)
            ? Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0])
            : 32768;
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      int port = LoopbackPorts.next();
      assertThat(port).isBetween(1024, ephemeralStart - 1);
      assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
      Loopback.assertPortFree(port);
    }
    assertThat(LoopbackPorts.nextAddress()).startsWith("127.0.0.1:");
  }
}
