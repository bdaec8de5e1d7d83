package io.reactiveraft.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The network namespaces of one test, as TESTING.md describes them: one namespace per host, each
 * joined by a veth pair to a bridge in a hub namespace, an address per host; a link is cut with a
 * blackhole route on both ends and healed by deleting the routes. Only addresses inside these
 * namespaces are used. Everything goes on close. Needs root and {@code ip} (iproute2).
 */
final class NetworkNamespaces implements AutoCloseable {

  private final String prefix;
  private final String hub;
  private final List<String> created = new ArrayList<>();

  /** Each host's namespace and address, by host name. */
  private final Map<String, Host> hosts = new LinkedHashMap<>();

  private record Host(String namespace, String address) {}

  /** Links cut by {@link #isolate}; closing heals them. */
  interface Partition extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /** Whether this machine lets us make namespaces (root, iproute2, a kernel that allows it). */
  static boolean available() {
    String probe = "rr-probe-" + ProcessHandle.current().pid();
    try {
      run("ip", "netns", "add", probe);
      run("ip", "netns", "del", probe);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Namespaces named {@code prefix-...}; any left by an earlier run of that name go first. */
  NetworkNamespaces(String prefix) throws IOException {
    this.prefix = prefix;
    this.hub = add("hub");
    run("ip", "-n", hub, "link", "add", "br0", "type", "bridge");
    run("ip", "-n", hub, "link", "set", "br0", "up");
  }

  /** A host {@code name} at {@code address} (in 10.0.0.0/8, /24 on the bridge); its namespace. */
  String host(String name, String address) throws IOException {
    String ns = add(name);
    String port = "p-" + name; // the hub's end; interface names hold 15 characters
    run(
        "ip", "link", "add", "name", "v0", "netns", ns, "type", "veth", "peer", "name", port,
        "netns", hub);
    run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "v0");
    run("ip", "-n", ns, "link", "set", "v0", "up");
    run("ip", "-n", ns, "link", "set", "lo", "up");
    run("ip", "-n", hub, "link", "set", port, "master", "br0");
    run("ip", "-n", hub, "link", "set", port, "up");
    hosts.put(name, new Host(ns, address));
    return ns;
  }

  /** The words that run a command inside {@code ns}. */
  static List<String> launcher(String ns) {
    return List.of("ip", "netns", "exec", ns);
  }

  /** Cuts the links between host {@code name} and each of {@code others}, both ways. */
  Partition isolate(String name, List<String> others) throws IOException {
    for (String other : others) {
      blackholes("add", name, other);
    }
    return () -> {
      for (String other : others) {
        blackholes("del", name, other);
      }
    };
  }

  /** Adds or deletes the blackhole routes that cut the link between two hosts. */
  private void blackholes(String action, String a, String b) throws IOException {
    Host one = hosts.get(a);
    Host two = hosts.get(b);
    run("ip", "-n", one.namespace(), "route", action, "blackhole", two.address() + "/32");
    run("ip", "-n", two.namespace(), "route", action, "blackhole", one.address() + "/32");
  }

  private String add(String name) throws IOException {
    String ns = prefix + "-" + name;
    try {
      run("ip", "netns", "del", ns);
    } catch (IOException e) {
      // none was left: the usual case
    }
    run("ip", "netns", "add", ns);
    created.add(ns);
    return ns;
  }

  @Override
  public void close() {
    // Deleting a namespace deletes its end of each veth pair, and so the pair.
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        run("ip", "netns", "del", created.get(i));
      } catch (IOException e) {
        System.err.println("could not delete network namespace " + created.get(i) + ": " + e);
      }
    }
    created.clear();
  }

  /** Runs a command to its end; fails with its output unless it exits 0. */
  private static void run(String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + ": no answer in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", command) + ": interrupted", e);
    }
    if (p.exitValue() != 0) {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + output);
    }
  }
}
