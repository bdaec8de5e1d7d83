package io.reactiveraft.bench;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.Member;
import io.reactiveraft.bench.kv.remote.HostPort;
import io.reactiveraft.bench.kv.remote.KvServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import reactor.core.Disposable;

/**
 * Runs one node of the KV example as its own process, serving Raft peers and KV clients on the
 * member's address, until SIGTERM (a shutdown hook closes the node and waits for it) or until the
 * node stops on its own (e.g. its log failed). Exit code 2 for a bad flag, an unusable data
 * directory or an address that cannot be bound.
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = "Run one node of a KV cluster; clients reach it with the kv command.")
final class NodeCommand implements Callable<Integer> {

  /** Exit code of a node that could not start, as for a bad flag. */
  static final int CANNOT_START = 2;

  @Spec CommandSpec spec;

  @Option(names = "--id", required = true, description = "This node's member id, e.g. n1.")
  String id;

  @Option(
      names = "--members",
      required = true,
      description = "Every voting member as id=host:port, comma separated, this node included.")
  String members;

  @Option(names = "--data-dir", required = true, description = "The log directory of this node.")
  Path dataDir;

  @Option(
      names = "--secret",
      defaultValue = "${env:RAFT_SECRET}",
      description = "The cluster's shared secret, at least 16 bytes (default: $RAFT_SECRET).")
  String secret;

  @Option(
      names = "--fsync",
      description = "on (default): force the log before an entry counts; off: do not wait.")
  String fsync = "on";

  @Option(
      names = "--bootstrap",
      description = "First start of a new cluster: let the empty node vote (ignored with data).")
  boolean bootstrap;

  @Option(names = "--segment-mib", description = "Size of a log segment file (default 64).")
  int segmentMib = 64;

  @Option(
      names = "--election-timeout-ms",
      description =
          "Base election timeout; heartbeats go every fifth of it. Every member should use the"
              + " same (default 500).")
  int electionTimeoutMs = 500;

  @Option(
      names = "--lease-reads",
      description =
          "Answer reads on the leader from its lease, without a round of heartbeats (safe while"
              + " clocks drift less than the configured bound).")
  boolean leaseReads;

  @Override
  public Integer call() {
    KvServer.Settings settings = settings();
    KvServer server;
    try {
      server = KvServer.start(settings);
    } catch (KvServer.StartException e) {
      spec.commandLine().getErr().println("node " + id + " cannot start: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return CANNOT_START;
    } catch (IllegalArgumentException e) {
      // A rule of the node's configuration that the flags broke and parsing did not catch.
      throw usage(e.getMessage());
    }
    Thread hook =
        new Thread(
            () -> {
              server.close();
              println("node " + id + " stopped");
            },
            "node-" + id + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    println(
        "node "
            + id
            + " serving peers and clients at "
            + server.address()
            + " data="
            + dataDir
            + " fsync="
            + fsync
            + " reads="
            + (leaseReads ? "lease" : "readindex")
            + " members="
            + members);
    Disposable leaders = server.node().leaderChanges().subscribe(this::printLeader);
    server.stopped().block();
    leaders.dispose();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Shutting down already: the hook closed the node, and the process ends with it.
      return 0;
    }
    server.close();
    println("node " + id + " stopped");
    return 1;
  }

  private void printLeader(LeaderChange change) {
    String leader = change.currentLeader().orElse("unknown");
    println(
        "node "
            + id
            + " term "
            + change.term()
            + " leader "
            + leader
            + " ("
            + change.cause()
            + ")");
  }

  private KvServer.Settings settings() {
    boolean durable =
        switch (fsync) {
          case "on" -> true;
          case "off" -> false;
          default -> throw usage("--fsync must be on or off, not " + fsync);
        };
    if (secret == null) {
      throw usage("--secret is required (or set RAFT_SECRET)");
    }
    byte[] secretBytes = secret.getBytes(StandardCharsets.UTF_8);
    if (secretBytes.length < 16) {
      throw usage("--secret must be at least 16 bytes");
    }
    if (segmentMib < 1 || segmentMib > 1024) {
      throw usage("--segment-mib must be in [1, 1024], not " + segmentMib);
    }
    if (electionTimeoutMs < 50 || electionTimeoutMs > 60_000) {
      throw usage("--election-timeout-ms must be in [50, 60000], not " + electionTimeoutMs);
    }
    List<Member> list = parseMembers(members);
    if (list.stream().noneMatch(m -> m.id().equals(id))) {
      throw usage("--id " + id + " is not one of --members");
    }
    return new KvServer.Settings(
        id,
        list,
        dataDir,
        secretBytes,
        durable,
        bootstrap,
        segmentMib << 20,
        Duration.ofMillis(electionTimeoutMs),
        leaseReads);
  }

  private List<Member> parseMembers(String text) {
    List<Member> list = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<HostPort> addresses = new HashSet<>();
    for (String item : text.split(",")) {
      String entry = item.strip();
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw usage("--members expects id=host:port entries, got '" + entry + "'");
      }
      String memberId = entry.substring(0, eq);
      String address = entry.substring(eq + 1);
      HostPort hostPort;
      try {
        hostPort = HostPort.parse(address);
      } catch (IllegalArgumentException e) {
        throw usage("--members: " + memberId + ": " + e.getMessage());
      }
      if (!ids.add(memberId)) {
        throw usage("--members names " + memberId + " twice");
      }
      // Host names are not case-sensitive.
      if (!addresses.add(new HostPort(hostPort.host().toLowerCase(Locale.ROOT), hostPort.port()))) {
        throw usage("--members gives " + address + " to two members");
      }
      try {
        list.add(new Member(memberId, address));
      } catch (IllegalArgumentException e) {
        throw usage("--members: " + e.getMessage());
      }
    }
    return list;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private void println(String line) {
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
  }
}
