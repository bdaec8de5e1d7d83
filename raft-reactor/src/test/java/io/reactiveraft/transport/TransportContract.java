package io.reactiveraft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.reactiveraft.spi.Transport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * What every {@link Transport} must do, whatever carries the bytes. A transport module extends this
 * class and says how to make members and transports; the suite starts three members a, b and c, a
 * peer of both others, and checks delivery, fidelity, refusals and release.
 *
 * <p>Waits are bounded by {@link #deliveryTimeout()}; nothing sleeps.
 */
public abstract class TransportContract {

  private final Map<String, Member> members = new LinkedHashMap<>();
  private final Map<String, Transport> transports = new LinkedHashMap<>();
  private final Map<String, BlockingQueue<RaftMessage>> inboxes = new LinkedHashMap<>();
  private final Map<String, CountDownLatch> completions = new LinkedHashMap<>();
  private final List<Disposable> subscriptions = new ArrayList<>();

  /** A member named {@code id} with an address this transport can serve, distinct per call. */
  protected abstract Member newMember(String id);

  /** A new, unstarted transport for {@code member}. */
  protected abstract Transport newTransport(Member member);

  /**
   * Checks that a closed transport released what it held (ports, threads). Called after {@code
   * close()} completed. Default: nothing to check.
   */
  protected void assertReleased(Member member, Transport transport) {}

  /** The longest a delivery may take before the test fails. */
  protected Duration deliveryTimeout() {
    return Duration.ofSeconds(10);
  }

  /** Called after each test has closed its transports, to release fixtures. */
  protected void tearDown() {}

  @BeforeEach
  final void startMembers() {
    for (String id : List.of("a", "b", "c")) {
      members.put(id, newMember(id));
    }
    for (String id : members.keySet()) {
      start(id);
    }
  }

  @AfterEach
  final void closeMembers() {
    subscriptions.forEach(Disposable::dispose);
    for (Transport t : transports.values()) {
      t.close().block(deliveryTimeout());
    }
    tearDown();
  }

  private void start(String id) {
    Member self = members.get(id);
    List<Member> peers = members.values().stream().filter(m -> !m.id().equals(id)).toList();
    Transport transport = newTransport(self);
    BlockingQueue<RaftMessage> inbox = new LinkedBlockingQueue<>();
    CountDownLatch completed = new CountDownLatch(1);
    subscriptions.add(
        transport
            .start(self, peers)
            .subscribe(inbox::add, e -> completed.countDown(), completed::countDown));
    transports.put(id, transport);
    inboxes.put(id, inbox);
    completions.put(id, completed);
  }

  /** The transport of member {@code id}. */
  protected final Transport transport(String id) {
    return transports.get(id);
  }

  /** The member {@code id}. */
  protected final Member member(String id) {
    return members.get(id);
  }

  /** Waits for the next message delivered to {@code id}. */
  protected final RaftMessage receive(String id) {
    try {
      RaftMessage m = inboxes.get(id).poll(deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(m).as("a message delivered to %s within %s", id, deliveryTimeout()).isNotNull();
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Waits for {@code count} messages delivered to {@code id}, in arrival order. */
  protected final List<RaftMessage> receive(String id, int count) {
    List<RaftMessage> received = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      received.add(receive(id));
    }
    return received;
  }

  private static byte[] bytes(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  /**
   * A value that equals another message's exactly when the two messages carry the same values. An
   * {@link InstallSnapshotRequest} holds its data in an array, which its record {@code equals}
   * compares by reference; a {@link ByteBuffer} over the array compares by content (and prints
   * short).
   */
  protected static Object byValue(RaftMessage m) {
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

  /** {@link #byValue} of each message, in order. */
  protected static List<Object> byValue(List<RaftMessage> messages) {
    return messages.stream().map(TransportContract::byValue).toList();
  }

  /** One message of each kind and shape, from {@code from} to {@code to}. */
  protected static List<RaftMessage> everyKind(String from, String to) {
    List<LogEntry> entries =
        List.of(
            LogEntry.noop(11, 3),
            new LogEntry(12, 3, EntryType.COMMAND, "put x 1".getBytes(StandardCharsets.UTF_8)),
            new LogEntry(13, 4, EntryType.CONFIGURATION, bytes(300)),
            new LogEntry(14, 4, EntryType.COMMAND, new byte[0]),
            new LogEntry(15, 4, EntryType.COMMAND, bytes(256)));
    ClusterConfiguration configuration =
        new ClusterConfiguration(
            List.of(
                new Member(from, "host-" + from + ":7001"), new Member(to, "host-" + to + ":7002")),
            List.of(new Member("learner-1", "host-l:7003")));
    SnapshotMeta snapshot = new SnapshotMeta(40, 3, configuration, 5000);
    return List.of(
        new VoteRequest(from, to, 5, 10, 3, false),
        new VoteRequest(from, to, 6, 0, 0, true),
        new VoteResponse(from, to, 5, true, false),
        new VoteResponse(from, to, 7, false, true),
        new AppendEntriesRequest(from, to, 4, 10, 3, List.of(), 9),
        new AppendEntriesRequest(from, to, 4, 10, 3, entries, 12),
        new AppendEntriesResponse(from, to, 4, true, 15, 0, 0),
        new AppendEntriesResponse(from, to, 4, false, 0, 2, 7),
        new VoteRequest(from, to, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, false),
        new VoteRequest(from, to, 9, 40, 8, false, true),
        new AppendEntriesRequest(from, to, 4, 10, 3, List.of(), 9, 77),
        new AppendEntriesResponse(from, to, 4, true, 14, 0, 0, 77),
        new TimeoutNow(from, to, 9),
        new ReadIndexRequest(from, to, 9, 12),
        new ReadIndexResponse(from, to, 9, 12, 140, true),
        new ForwardedCommand(from, to, 9, 14, EntryType.COMMAND, new byte[] {1, 2, 3}),
        new ForwardedCommandResponse(from, to, 9, 14, 150, 9, true),
        new InstallSnapshotRequest(from, to, 4, snapshot, 0x7a3b_19c4, 0, bytes(1000)),
        new InstallSnapshotRequest(from, to, 4, snapshot, 0x8000_0001, 4000, bytes(1000)),
        new InstallSnapshotRequest(
            from, to, 4, new SnapshotMeta(41, 4, configuration, 0), 0, 0, new byte[0]),
        new InstallSnapshotResponse(from, to, 4, 40, 1000, true),
        new InstallSnapshotResponse(from, to, 5, 40, 0, false));
  }

  @Test
  void deliversMessagesUnchanged() {
    VoteRequest sent = new VoteRequest("a", "b", 1, 0, 0, false);
    transport("a").send(sent);
    RaftMessage received = receive("b");
    assertThat(received).isEqualTo(sent);
  }

  @Test
  void everyKindRoundTrips() {
    List<RaftMessage> sent = everyKind("a", "b");
    sent.forEach(transport("a")::send);
    List<RaftMessage> received = receive("b", sent.size());
    // By value: a snapshot chunk's data must arrive intact, not merely as some array.
    assertThat(byValue(received)).containsExactlyInAnyOrderElementsOf(byValue(sent));
  }

  @Test
  void messagesFlowBetweenEveryPairInBothDirections() {
    Set<RaftMessage> expectedAtA = new HashSet<>();
    for (String from : List.of("b", "c")) {
      for (String to : members.keySet()) {
        if (!to.equals(from)) {
          VoteResponse m = new VoteResponse(from, to, 2, true, false);
          transport(from).send(m);
          if (to.equals("a")) {
            expectedAtA.add(m);
          }
        }
      }
    }
    assertThat(new HashSet<>(receive("a", 2))).isEqualTo(expectedAtA);
    assertThat(receive("b").from()).isEqualTo("c");
    assertThat(receive("c").from()).isEqualTo("b");
  }

  @Test
  void aBurstWithinTheWindowArrivesComplete() {
    List<RaftMessage> sent =
        IntStream.range(0, 50)
            .<RaftMessage>mapToObj(i -> new AppendEntriesResponse("a", "c", 1, true, i, 0, 0))
            .toList();
    sent.forEach(transport("a")::send);
    assertThat(receive("c", sent.size())).containsExactlyInAnyOrderElementsOf(sent);
  }

  @Test
  void sendingToAnUnknownMemberIsRefused() {
    assertThatThrownBy(() -> transport("a").send(new VoteRequest("a", "zed", 1, 0, 0, false)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMessageToAStoppedPeerIsDroppedWithoutThrowing() {
    transport("b").close().block(deliveryTimeout());
    assertThatCode(
            () -> {
              for (int i = 0; i < 5; i++) {
                transport("a").send(new VoteRequest("a", "b", 1, 0, 0, false));
              }
            })
        .doesNotThrowAnyException();
    // The sender keeps working for everyone else.
    VoteRequest toC = new VoteRequest("a", "c", 1, 0, 0, false);
    transport("a").send(toC);
    assertThat(receive("c")).isEqualTo(toC);
  }

  @Test
  void closeIsIdempotentCompletesInboundAndReleases() throws InterruptedException {
    Transport a = transport("a");
    a.close().block(deliveryTimeout());
    a.close().block(deliveryTimeout());
    assertThat(completions.get("a").await(deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS))
        .as("inbound messages complete on close")
        .isTrue();
    assertReleased(member("a"), a);
  }
}
