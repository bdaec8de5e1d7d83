package io.reactiveraft.transport.rsocket;

import io.reactiveraft.message.AppendEntriesRequest;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.ForwardedCommand;
import io.reactiveraft.message.ForwardedCommandResponse;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.message.RaftMessage;
import io.reactiveraft.message.ReadIndexRequest;
import io.reactiveraft.message.ReadIndexResponse;
import io.reactiveraft.message.TimeoutNow;
import io.reactiveraft.message.VoteRequest;
import io.reactiveraft.message.VoteResponse;
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
        new ForwardedCommandResponse("n1", "n2", 9, 15, 0, 0, false));
  }

  /** A random message of a random kind, with random (valid) fields. */
  static RaftMessage random(SplittableRandom r) {
    String from = "n" + r.nextInt(10);
    String to = "n" + r.nextInt(10);
    long term = randomLong(r);
    switch (r.nextInt(4)) {
      case 0:
        return new VoteRequest(from, to, term, randomLong(r), randomLong(r), r.nextBoolean());
      case 1:
        return new VoteResponse(from, to, term, r.nextBoolean(), r.nextBoolean());
      case 2:
        {
          long prev = r.nextLong(0, 1L << 40);
          List<LogEntry> entries = new ArrayList<>();
          int count = r.nextInt(8);
          long index = prev;
          for (int i = 0; i < count; i++) {
            // Mostly consecutive, sometimes not: the codec must carry either unchanged.
            index = r.nextInt(5) == 0 ? r.nextLong(1, Long.MAX_VALUE) : index + 1;
            EntryType type = EntryType.values()[r.nextInt(EntryType.values().length)];
            byte[] payload = new byte[r.nextInt(40)];
            for (int b = 0; b < payload.length; b++) {
              payload[b] = (byte) r.nextInt(256);
            }
            entries.add(new LogEntry(index, r.nextLong(1, Long.MAX_VALUE), type, payload));
          }
          return new AppendEntriesRequest(
              from, to, term, prev, randomLong(r), entries, randomLong(r));
        }
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
