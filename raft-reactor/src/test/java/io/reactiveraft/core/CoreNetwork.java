package io.reactiveraft.core;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.RaftEvent;
import io.reactiveraft.Role;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.spi.HardState;
import io.reactiveraft.spi.LostEntries;
import io.reactiveraft.spi.SnapshotMeta;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Cores wired together by hand, for scenario tests: messages wait in a queue until {@link
 * #deliverAll} (or a test) moves them; storage is a list per node that acknowledges writes at once
 * unless the node's durability is held.
 */
final class CoreNetwork {

  static final int ELECTION_TICKS = 10;
  static final int HEARTBEAT_TICKS = 2;

  /** A node: its core plus what it has stored and applied. */
  static final class Node {
    final String id;
    RaftCore core;
    HardState hardState = HardState.INITIAL;
    final List<LogEntry> stored = new ArrayList<>();
    final List<LogEntry> applied = new ArrayList<>();
    final List<Action> actions = new ArrayList<>();
    final List<LeaderChange> leaderChanges = new ArrayList<>();
    final Deque<RaftEvent.LogDurable> heldAcks = new ArrayDeque<>();
    boolean holdDurability;

    /** What its store lost of what it had acknowledged: {@code LogStore#lostEntries}. */
    LostEntries lost = LostEntries.NONE;

    /** The index before {@link #stored}'s first entry: the compacted prefix. */
    long storedOffset;

    /** The newest snapshot held and its data; null when none. */
    SnapshotMeta snapshot;

    byte[] snapshotData;

    /** A snapshot being received, and the snapshot the state was last restored from. */
    java.io.ByteArrayOutputStream receiving;

    SnapshotMeta restoredFrom;

    Node(String id) {
      this.id = id;
    }
  }

  final Map<String, Node> nodes = new LinkedHashMap<>();
  final Deque<RaftMessage> inFlight = new ArrayDeque<>();
  final List<RaftMessage> sent = new ArrayList<>();

  /** To whom a leader sent a snapshot again after reading it whole once more. */
  final List<String> recheckedSnapshots = new ArrayList<>();

  private final Set<String> isolated = new HashSet<>();

  /** Links cut both ways, each as "a|b" and "b|a". */
  private final Set<String> cuts = new HashSet<>();

  private final List<String> ids;
  private final CoreConfigFactory configs;
  private long seed = 1;

  interface CoreConfigFactory {
    CoreConfig config(String self, List<String> voters);
  }

  CoreNetwork(String... ids) {
    this(CoreNetwork::defaultConfig, ids);
  }

  /** The settings of these scenarios: pre-vote and check-quorum on, no leases, bootstrapped. */
  static CoreConfig defaultConfig(String self, List<String> voters) {
    return config(self, voters, true, false);
  }

  /** The same, with followers forwarding commands to the leader. */
  static CoreConfig forwardingConfig(String self, List<String> voters) {
    return config(self, voters, true, true);
  }

  /** The same, without pre-vote: a node that times out raises its term at once. */
  static CoreConfig noPreVoteConfig(String self, List<String> voters) {
    return config(self, voters, false, false);
  }

  private static CoreConfig config(
      String self, List<String> voters, boolean preVote, boolean forwardToLeader) {
    return new CoreConfig(
        self,
        CoreConfig.votersNamed(voters),
        ELECTION_TICKS,
        HEARTBEAT_TICKS,
        preVote,
        true,
        50,
        1 << 20,
        4,
        3,
        0,
        true,
        forwardToLeader,
        CoreConfig.DEFAULT_SNAPSHOT_CHUNK_BYTES);
  }

  CoreNetwork(CoreConfigFactory configs, String... ids) {
    this.ids = List.of(ids);
    this.configs = configs;
    for (String id : ids) {
      Node n = new Node(id);
      nodes.put(id, n);
      restart(id);
    }
  }

  Node node(String id) {
    return nodes.get(id);
  }

  RaftCore core(String id) {
    return nodes.get(id).core;
  }

  /** Rebuilds a node's core from what it stored, as after a crash. */
  void restart(String id) {
    Node n = nodes.get(id);
    n.heldAcks.clear();
    n.core =
        new RaftCore(
            configs.config(id, ids),
            n.hardState,
            n.snapshot,
            n.snapshot == null
                ? new RaftLog(n.storedOffset, 0, n.stored)
                : new RaftLog(
                    n.snapshot.index(),
                    n.snapshot.term(),
                    n.stored.stream().filter(e -> e.index() > n.snapshot.index()).toList()),
            n.lost,
            0, // the commit index is learned again, as from a store that records none
            new SplittableRandom(seed++));
  }

  void isolate(String id) {
    isolated.add(id);
  }

  void heal() {
    isolated.clear();
    cuts.clear();
  }

  /** Cuts the link between {@code a} and {@code b}, both ways. */
  void cut(String a, String b) {
    cuts.add(a + "|" + b);
    cuts.add(b + "|" + a);
  }

  /** Undoes {@link #isolate} for {@code id} alone. */
  void rejoin(String id) {
    isolated.remove(id);
  }

  /** Feeds one event to a node and performs its actions. */
  void handle(String id, RaftEvent event) {
    Node n = nodes.get(id);
    n.core.handle(event);
    perform(n);
  }

  void tick(String id, int ticks) {
    for (int i = 0; i < ticks; i++) {
      handle(id, RaftEvent.Tick.INSTANCE);
    }
  }

  void propose(String id, String command) {
    handle(id, new RaftEvent.CommandProposed(command.hashCode(), command.getBytes()));
  }

  /**
   * Has a node snapshot everything it applied, with {@code size} bytes of data derived from the
   * index, and tells its core.
   */
  SnapshotMeta takeSnapshot(String id, int size) {
    Node n = nodes.get(id);
    LogEntry last = n.applied.get(n.applied.size() - 1);
    SnapshotMeta meta = new SnapshotMeta(last.index(), last.term(), n.core.configuration(), size);
    n.snapshot = meta;
    n.snapshotData = snapshotData(last.index(), size);
    handle(id, new RaftEvent.SnapshotTaken(meta));
    return meta;
  }

  /** The CRC32C a leader's node puts in every chunk of a snapshot with this data. */
  static int checksum(byte[] data) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(data);
    return (int) crc.getValue();
  }

  /** The data of the snapshot at {@code index}: recognisable bytes. */
  static byte[] snapshotData(long index, int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) (index * 31 + i);
    }
    return data;
  }

  /** Asks leader {@code leader} to hand its leadership to {@code target} (request {@code id}). */
  void requestTransfer(String leader, long id, String target) {
    handle(
        leader,
        new RaftEvent.ChangeRequested(
            id, new io.reactiveraft.MembershipChange.TransferLeadership(target)));
  }

  /** Ticks a node until it is leader, delivering messages as they come. */
  void elect(String id) {
    for (int i = 0; i < 10 * ELECTION_TICKS && core(id).role() != Role.LEADER; i++) {
      tick(id, 1);
      deliverAll();
    }
    if (core(id).role() != Role.LEADER) {
      throw new AssertionError(id + " did not become leader: " + core(id).role());
    }
  }

  /**
   * Elects {@code id}, then lets one heartbeat round tell every follower that its no-op committed,
   * so that the cluster is quiet and in agreement before a scenario begins.
   */
  void electAndSettle(String id) {
    elect(id);
    tick(id, HEARTBEAT_TICKS);
    deliverAll();
  }

  /** Delivers queued messages (and the ones they cause) until none are left. */
  void deliverAll() {
    deliverWhile(m -> true);
  }

  /** Delivers queued messages matching {@code filter}; others are dropped. */
  void deliverWhile(Predicate<RaftMessage> filter) {
    for (int guard = 0; !inFlight.isEmpty(); guard++) {
      if (guard > 1_000_000) {
        throw new AssertionError(
            "messages never stop; the last ones: " + sent.subList(sent.size() - 6, sent.size()));
      }
      RaftMessage m = inFlight.pollFirst();
      if (filter.test(m)
          && nodes.containsKey(m.to())
          && !isolated.contains(m.from())
          && !isolated.contains(m.to())
          && !cuts.contains(m.from() + "|" + m.to())) {
        handle(m.to(), new RaftEvent.MessageReceived(m));
      }
    }
  }

  /** Drops every queued message. */
  void dropAll() {
    inFlight.clear();
  }

  /** Releases acknowledgements held while a node's durability was held. */
  void releaseDurability(String id) {
    Node n = nodes.get(id);
    n.holdDurability = false;
    while (!n.heldAcks.isEmpty()) {
      handle(id, n.heldAcks.pollFirst());
    }
  }

  private void perform(Node n) {
    // Applies happen as they are handed out, so the node reports all of them applied.
    n.core.observeApplied(Long.MAX_VALUE);
    List<Action> actions = n.core.flush();
    n.actions.addAll(actions);
    List<RaftEvent> acks = new ArrayList<>();
    for (Action a : actions) {
      if (a instanceof Action.PersistHardState p) {
        n.hardState = p.state();
      } else if (a instanceof Action.TruncateLog t) {
        n.stored.subList((int) (t.fromIndex() - n.storedOffset) - 1, n.stored.size()).clear();
      } else if (a instanceof Action.CompactLog c) {
        long drop = Math.min(c.upToIndex() - n.storedOffset, n.stored.size());
        n.stored.subList(0, (int) drop).clear();
        n.storedOffset = c.upToIndex();
      } else if (a instanceof Action.SendSnapshotChunk c) {
        if (c.recheck()) {
          recheckedSnapshots.add(c.to());
        }
        byte[] data =
            java.util.Arrays.copyOfRange(
                n.snapshotData, (int) c.offset(), (int) c.offset() + c.length());
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(n.snapshotData, 0, (int) c.snapshot().size());
        RaftMessage chunk =
            new InstallSnapshotRequest(
                n.id, c.to(), c.term(), c.snapshot(), (int) crc.getValue(), c.offset(), data);
        inFlight.addLast(chunk);
        sent.add(chunk);
      } else if (a instanceof Action.StoreSnapshotChunk c) {
        InstallSnapshotRequest chunk = c.chunk();
        if (chunk.offset() == 0) {
          n.receiving = new java.io.ByteArrayOutputStream();
        }
        n.receiving.writeBytes(chunk.data());
        if (chunk.last()) {
          byte[] received = n.receiving.toByteArray();
          java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
          crc.update(received);
          if ((int) crc.getValue() != chunk.checksum()) { // as the node's Snapshotter checks
            n.receiving = null;
            acks.add(
                new RaftEvent.SnapshotDataDamaged(chunk.from(), chunk.term(), chunk.snapshot()));
            continue;
          }
          n.snapshot = chunk.snapshot();
          n.snapshotData = received;
        }
        acks.add(
            new RaftEvent.SnapshotChunkStored(
                chunk.from(),
                chunk.term(),
                chunk.snapshot(),
                chunk.offset() + chunk.data().length));
      } else if (a instanceof Action.DiscardSnapshotChunks) {
        n.receiving = null;
      } else if (a instanceof Action.RestoreSnapshot r) {
        n.applied.clear(); // the state is now the snapshot's
        n.restoredFrom = r.snapshot();
      } else if (a instanceof Action.AppendLog ap) {
        n.stored.addAll(ap.entries());
        LogEntry last = ap.entries().get(ap.entries().size() - 1);
        acks.add(new RaftEvent.LogDurable(last.index(), last.term(), ap.epoch()));
      } else if (a instanceof Action.Send s) {
        inFlight.addLast(s.message());
        sent.add(s.message());
      } else if (a instanceof Action.ApplyEntries ap) {
        n.applied.addAll(ap.entries());
      } else if (a instanceof Action.LeaderChanged c) {
        n.leaderChanges.add(c.change());
      }
    }
    for (RaftEvent ack : acks) {
      if (n.holdDurability && ack instanceof RaftEvent.LogDurable durable) {
        n.heldAcks.addLast(durable);
      } else {
        handle(n.id, ack);
      }
    }
  }

  /** Messages of a type sent so far. */
  <T extends RaftMessage> List<T> sent(Class<T> type) {
    return sent.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
