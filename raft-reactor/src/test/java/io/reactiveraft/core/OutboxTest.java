package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.LeaderChange;
import io.reactiveraft.message.AppendEntriesResponse;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order in which a batch's actions reach the driver. */
class OutboxTest {

  private final Outbox outbox = new Outbox();

  @Test
  void termAndVoteAreStoredBeforeAnything() {
    outbox.send(ack(3, 1));
    outbox.append(LogEntry.noop(1, 3), 0);

    List<Action> out = outbox.drain(new HardState(3, "n1"), false, 3, null);

    assertThat(out.get(0)).isEqualTo(new Action.PersistHardState(new HardState(3, "n1")));
  }

  @Test
  void appendsOfABatchAreOneWriteUntilAnotherWriteComes() {
    outbox.append(LogEntry.noop(1, 1), 0);
    outbox.append(LogEntry.noop(2, 1), 0);
    outbox.write(new Action.TruncateLog(2));
    outbox.append(LogEntry.noop(2, 2), 1);

    List<Action> out = outbox.drain(null, false, 2, null);

    assertThat(out)
        .containsExactly(
            new Action.AppendLog(List.of(LogEntry.noop(1, 1), LogEntry.noop(2, 1)), 0),
            new Action.TruncateLog(2),
            new Action.AppendLog(List.of(LogEntry.noop(2, 2)), 1));
  }

  @Test
  void aFollowersMessagesFollowItsWrites() {
    outbox.send(ack(1, 1));
    outbox.append(LogEntry.noop(1, 1), 0);

    List<Action> out = outbox.drain(null, false, 1, null);

    assertThat(out)
        .containsExactly(
            new Action.AppendLog(List.of(LogEntry.noop(1, 1)), 0), new Action.Send(ack(1, 1)));
  }

  @Test
  void aLeaderSendsBeforeItsOwnAppends() {
    outbox.append(LogEntry.noop(1, 1), 0);
    outbox.send(ack(1, 1));

    List<Action> out = outbox.drain(null, true, 1, null);

    assertThat(out)
        .containsExactly(
            new Action.Send(ack(1, 1)), new Action.AppendLog(List.of(LogEntry.noop(1, 1)), 0));
  }

  @Test
  void aLeaderWhoseWritesAreNotOnlyAppendsWritesFirst() {
    outbox.write(new Action.CompactLog(5));
    outbox.append(LogEntry.noop(10, 1), 0);
    outbox.send(ack(1, 1));

    List<Action> out = outbox.drain(null, true, 1, null);

    assertThat(out)
        .containsExactly(
            new Action.CompactLog(5),
            new Action.AppendLog(List.of(LogEntry.noop(10, 1)), 0),
            new Action.Send(ack(1, 1)));
  }

  @Test
  void messagesOfATermLeftDuringTheBatchAreDropped() {
    outbox.send(ack(1, 4));
    outbox.sendSnapshotChunk(new Action.SendSnapshotChunk("n2", 1, null, 0, 10, false));
    outbox.send(ack(2, 5));

    List<Action> out = outbox.drain(new HardState(2, null), false, 2, null);

    assertThat(out)
        .containsExactly(
            new Action.PersistHardState(new HardState(2, null)), new Action.Send(ack(2, 5)));
  }

  @Test
  void resultsGoBeforeAppliesAndLeaderChangesAfter() {
    Action.LeaderChanged changed =
        new Action.LeaderChanged(
            new LeaderChange(LeaderChange.Kind.STEPPED_DOWN, 2, "n1", null, "test"), 7);
    Action.ApplyEntries apply = new Action.ApplyEntries(List.of(LogEntry.noop(7, 1)));
    outbox.report(changed);
    outbox.report(new Action.ProposalAccepted(42, 8, 1));

    List<Action> out = outbox.drain(null, false, 2, apply);

    assertThat(out).containsExactly(new Action.ProposalAccepted(42, 8, 1), apply, changed);
  }

  @Test
  void aDrainEmptiesTheBatch() {
    outbox.append(LogEntry.noop(1, 1), 0);
    outbox.send(ack(1, 1));
    outbox.report(new Action.ChangeCompleted(1));
    outbox.drain(null, false, 1, null);

    assertThat(outbox.drain(null, false, 1, null)).isEmpty();
  }

  private static AppendEntriesResponse ack(long term, long index) {
    return new AppendEntriesResponse("n2", "n1", term, true, index, 0, 0);
  }
}
