package io.reactiveraft.transport.rsocket;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.ForwardedCommand;
import io.reactiveraft.message.ForwardedCommandResponse;
import io.reactiveraft.message.InstallSnapshotRequest;
import io.reactiveraft.message.InstallSnapshotResponse;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.ReadIndexRequest;
import io.reactiveraft.message.ReadIndexResponse;
import io.reactiveraft.message.TimeoutNow;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
import io.reactiveraft.spi.SnapshotMeta;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Raft messages for codec tests: fixed samples of every kind, and random ones from a seed. */
final class Messages {

  private Messages() {}

  static byte[] bytes(int length, int seed) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  /**
   * An AppendEntries with {@code count} command entries of {@code size} bytes, after index 1000.
   */
  static AppendEntriesRequest append(String from, String to, int count, int size) {
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(new LogEntry(1001 + i, 7, EntryType.COMMAND, bytes(size, i)));
    }
    return new AppendEntriesRequest(from, to, 7, 1000, 7, entries, 990);
  }

  /** Three voters and a learner, with the address forms the transport meets. */
  static final ClusterConfiguration CONFIGURATION =
      new ClusterConfiguration(
          List.of(
              new Member("n1", "10.0.0.1:7001"),
              new Member("n2", "raft-2.example.org:7002"),
              new Member("n3", "[fd00::3]:7003")),
          List.of(new Member("n4", "10.0.0.4:7004")));

  /** A chunk of {@code length} bytes at {@code offset} of a snapshot of {@code size} bytes. */
  static InstallSnapshotRequest chunk(String from, String to, long size, long offset, int length) {
    return new InstallSnapshotRequest(
        from,
        to,
        7,
        new SnapshotMeta(900, 6, CONFIGURATION, size),
        0x9e37_79b9, // above Integer.MAX_VALUE as unsigned: the sign must survive
        offset,
        bytes(length, (int) offset));
  }

  /**
   * A value that equals another message's exactly when the two messages carry the same values. An
   * {@link InstallSnapshotRequest} holds its data in an array, which its record {@code equals}
   * compares by reference; a {@link ByteBuffer} over the array compares by content.
   */
  static Object byValue(RaftMessage m) {
    if (m instanceof InstallSnapshotRequest r) {
      return List.of(
          "InstallSnapshotRequest",
          r.from(),
          r.to(),
          r.term(),
          r.snapshot(),
          r.offset(),
          ByteBuffer.wrap(r.data()));
    }
    return m;
  }

  /** One sample of every kind and flag combination. */
  static List<RaftMessage> samples() {
    return List.of(
        new VoteRequest("n1", "n2", 5, 10, 3, false),
        new VoteRequest("n1", "n2", 6, 0, 0, true),
        new VoteResponse("n2", "n1", 5, true, false),
        new VoteResponse("n2", "n1", 5, false, false),
        new VoteResponse("n2", "n1", 7, true, true),
        new VoteResponse("n2", "n1", 7, false, true),
        new AppendEntriesRequest("n1", "n2", 4, 10, 3, List.of(), 9),
        new AppendEntriesRequest(
            "n1",
            "n2",
            4,
            10,
            3,
            List.of(
                LogEntry.noop(11, 4),
                new LogEntry(12, 4, EntryType.COMMAND, bytes(100, 1)),
                new LogEntry(13, 4, EntryType.CONFIGURATION, bytes(20, 2)),
                new LogEntry(14, 4, EntryType.COMMAND, new byte[0])),
            12),
        append("n1", "n2", 64, 100),
        new AppendEntriesResponse("n2", "n1", 4, true, 14, 0, 0),
        new AppendEntriesResponse("n2", "n1", 4, false, 0, 2, 7),
        new VoteRequest("n1", "n2", Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, false),
        new VoteRequest("nœud-1", "узел-2", 1, 0, 0, false),
        new VoteRequest("n1", "n2", 9, 40, 8, false, true),
        new AppendEntriesRequest("n1", "n2", 4, 10, 3, List.of(), 9, 77),
        new AppendEntriesResponse("n2", "n1", 4, true, 14, 0, 0, 77),
        new TimeoutNow("n1", "n2", 9),
        new ReadIndexRequest("n2", "n1", 9, 12),
        new ReadIndexResponse("n1", "n2", 9, 12, 140, true),
        new ReadIndexResponse("n1", "n2", 9, 13, 0, false),
        new ForwardedCommand("n2", "n1", 9, 14, EntryType.COMMAND, bytes(30, 3)),
        new ForwardedCommandResponse("n1", "n2", 9, 14, 150, 9, true),
        new ForwardedCommandResponse("n1", "n2", 9, 15, 0, 0, false),
        chunk("n1", "n2", 1000, 0, 100),
        chunk("n1", "n2", 1000, 400, 100),
        chunk("n1", "n2", 1000, 900, 100),
        chunk("n1", "n2", 0, 0, 0),
        new InstallSnapshotRequest(
            "n1",
            "n2",
            Long.MAX_VALUE,
            new SnapshotMeta(
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                new ClusterConfiguration(
                    List.of(new Member("nœud-1", "nœud-1.example:7001")), List.of()),
                Long.MAX_VALUE),
            -1,
            Long.MAX_VALUE - 16,
            bytes(16, 4)),
        new InstallSnapshotResponse("n2", "n1", 7, 900, 500, true),
        new InstallSnapshotResponse("n2", "n1", 7, 900, 1000, true),
        new InstallSnapshotResponse("n2", "n1", 8, 900, 0, false));
  }

  /** A random message of a random kind, with random (valid) fields. */
  static RaftMessage random(SplittableRandom r) {
    String from = "n" + r.nextInt(10);
    String to = "n" + r.nextInt(10);
    long term = randomLong(r);
    switch (r.nextInt(6)) {
      case 0:
        return new VoteRequest(from, to, term, randomLong(r), randomLong(r), r.nextBoolean());
      case 1:
        return new VoteResponse(from, to, term, r.nextBoolean(), r.nextBoolean());
      case 2:
        {
          long prev = r.nextLong(0, 1L << 40);
          // Entries follow each other, their terms rising now and then from the previous entry's
          // up to the request's: what one leader's log can hold, and all the request admits.
          long prevTerm = term == 0 ? 0 : r.nextLong(term);
          long entryTerm = Math.max(1, prevTerm); // an entry's term is at least 1
          List<LogEntry> entries = new ArrayList<>();
          int count = term == 0 ? 0 : r.nextInt(8);
          for (int i = 0; i < count; i++) {
            if (r.nextInt(3) == 0 && entryTerm < term) {
              entryTerm = r.nextLong(entryTerm, term) + 1;
            }
            EntryType type = EntryType.values()[r.nextInt(EntryType.values().length)];
            byte[] payload = new byte[r.nextInt(40)];
            for (int b = 0; b < payload.length; b++) {
              payload[b] = (byte) r.nextInt(256);
            }
            entries.add(new LogEntry(prev + 1 + i, entryTerm, type, payload));
          }
          return new AppendEntriesRequest(from, to, term, prev, prevTerm, entries, randomLong(r));
        }
      case 3:
        {
          long size = randomLong(r);
          // Now and then an empty chunk at the very end, which a zero-size snapshot needs.
          long offset = size == 0 || r.nextInt(8) == 0 ? size : r.nextLong(size);
          byte[] data = new byte[(int) Math.min(size - offset, r.nextInt(64))];
          for (int b = 0; b < data.length; b++) {
            data[b] = (byte) r.nextInt(256);
          }
          List<Member> voters = new ArrayList<>();
          List<Member> learners = new ArrayList<>();
          int members = 1 + r.nextInt(7);
          for (int i = 0; i < members; i++) {
            Member m = new Member("m" + i, "10.0.0." + i + ":" + (7000 + r.nextInt(1000)));
            // The first is always a voter: a configuration needs one.
            (i == 0 || r.nextBoolean() ? voters : learners).add(m);
          }
          SnapshotMeta meta =
              new SnapshotMeta(
                  r.nextLong(1, Long.MAX_VALUE),
                  r.nextLong(1, Long.MAX_VALUE),
                  new ClusterConfiguration(voters, learners),
                  size);
          return new InstallSnapshotRequest(from, to, term, meta, r.nextInt(), offset, data);
        }
      case 4:
        return new InstallSnapshotResponse(
            from, to, term, randomLong(r), randomLong(r), r.nextBoolean());
      default:
        return new AppendEntriesResponse(
            from, to, term, r.nextBoolean(), randomLong(r), randomLong(r), randomLong(r));
    }
  }

  /** Small values mostly (as in real logs), and every varint width now and then. */
  private static long randomLong(SplittableRandom r) {
    int bits = r.nextInt(5) == 0 ? r.nextInt(64) : r.nextInt(20);
    return r.nextLong() >>> (64 - Math.max(bits, 1)) & Long.MAX_VALUE;
  }
}
