package io.reactiveraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.RaftEvent;
import io.reactiveraft.Role;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.spi.HardState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** How committed entries reach the applier when the log keeps only a window of them in memory. */
class RaftCoreApplyTest {

  @Test
  void aRestartedNodeAppliesItsCommittedLogOneWindowPerBatch() {
    // A single voter restarted with 100 stored entries and a window of 8: once it leads, the
    // whole log commits at once, but each batch hands the applier at most one window.
    int[] reads = new int[1];
    RaftCore core = restartedWith100Entries(() -> reads[0]++);

    List<Long> applied = new ArrayList<>();
    for (int batch = 0; batch < 200 && applied.size() < 101; batch++) {
      core.handle(RaftEvent.Tick.INSTANCE);
      core.observeApplied(applied.size());
      assertThat(handOut(core, applied)).as("one window at most").isLessThanOrEqualTo(8);
    }
    assertThat(core.role()).isEqualTo(Role.LEADER);
    // Every entry once, in order: the 100 stored ones and the new leader's no-op.
    assertThat(applied).hasSize(101);
    for (int i = 0; i < applied.size(); i++) {
      assertThat(applied.get(i)).isEqualTo(i + 1L);
    }
    assertThat(reads[0]).isPositive(); // the oldest came back from the store
  }

  /**
   * Committed entries handed to the applier and not yet applied wait on the heap after the log has
   * let go of them: a slow applier holds at most two windows of them, and the core says it is
   * holding the rest back, so the node can run another batch once the applier moves on.
   */
  @Test
  void entriesHandedOutAndNotAppliedAreBoundedByTwoWindows() {
    RaftCore core = restartedWith100Entries(() -> {});
    List<Long> handedOut = new ArrayList<>();
    for (int batch = 0; batch < 200 && core.commitIndex() < 101; batch++) {
      core.handle(RaftEvent.Tick.INSTANCE);
      handOut(core, handedOut);
    }
    assertThat(core.commitIndex()).isEqualTo(101);
    for (int batch = 0; batch < 10; batch++) {
      handOut(core, handedOut); // the applier reports nothing applied
    }
    assertThat(handedOut).hasSize(16).last().isEqualTo(16L);
    assertThat(core.applyHeldBack()).isTrue();

    core.observeApplied(5);
    handOut(core, handedOut);
    assertThat(handedOut).as("up to two windows past the 5 applied").last().isEqualTo(21L);

    for (int batch = 0; batch < 20 && core.applyHeldBack(); batch++) {
      core.observeApplied(handedOut.get(handedOut.size() - 1)); // the applier keeps up now
      handOut(core, handedOut);
    }
    assertThat(core.applyHeldBack()).isFalse();
    assertThat(handedOut).hasSize(101).doesNotHaveDuplicates().last().isEqualTo(101L);
  }

  /**
   * A node whose store recorded a commit index applies its log up to there as soon as it starts,
   * before any leader (here there can be none: its two peers are silent), one window per batch, and
   * not one entry further.
   */
  @Test
  void aRestartedNodeAppliesUpToTheCommitIndexItsStoreRecorded() {
    RaftCore core = restartedWith100Entries(List.of("n1", "n2", "n3"), 60, () -> {});
    assertThat(core.commitIndex()).isEqualTo(60);

    List<Long> applied = new ArrayList<>();
    for (int batch = 0; batch < 20; batch++) {
      core.observeApplied(applied.size());
      handOut(core, applied);
    }
    assertThat(core.role()).isEqualTo(Role.FOLLOWER);
    assertThat(applied).hasSize(60).doesNotHaveDuplicates().isSorted().last().isEqualTo(60L);
    assertThat(core.applyHeldBack()).isFalse();
  }

  /** A recorded commit index beyond the log (a store that lost its tail) counts up to its end. */
  @Test
  void aRecordedCommitIndexBeyondTheLogIsCappedAtItsEnd() {
    RaftCore core = restartedWith100Entries(List.of("n1", "n2", "n3"), 150, () -> {});

    assertThat(core.commitIndex()).isEqualTo(100);
  }

  private static RaftCore restartedWith100Entries(Runnable onStoreRead) {
    return restartedWith100Entries(List.of("n1"), 0, onStoreRead);
  }

  /**
   * Node n1 of {@code members} restarted with 100 stored entries of term 1, a window of 8 in memory
   * and the commit index its store recorded; {@code onStoreRead} runs each time the log reads
   * entries back from the store.
   */
  private static RaftCore restartedWith100Entries(
      List<String> members, long recordedCommit, Runnable onStoreRead) {
    List<LogEntry> stored = new ArrayList<>();
    for (long i = 1; i <= 100; i++) {
      stored.add(new LogEntry(i, 1, EntryType.COMMAND, new byte[] {(byte) i}));
    }
    RaftLog log =
        new RaftLog(
            0,
            0,
            (from, to) -> {
              onStoreRead.run();
              return stored.subList((int) from - 1, (int) to);
            },
            8);
    stored.forEach(log::append);
    log.stored(100);
    return new RaftCore(
        CoreNetwork.defaultConfig("n1", members),
        new HardState(1, "n1"),
        null,
        log,
        io.reactiveraft.spi.LostEntries.NONE,
        recordedCommit,
        new SplittableRandom(1));
  }

  /**
   * One batch's flush: makes appends durable and records the indexes handed to the applier.
   *
   * @return the size of the largest apply it handed out (0 for none)
   */
  private static int handOut(RaftCore core, List<Long> handedOut) {
    int largest = 0;
    for (Action a : core.flush()) {
      if (a instanceof Action.AppendLog append) {
        LogEntry last = append.entries().get(append.entries().size() - 1);
        core.handle(new RaftEvent.LogDurable(last.index(), last.term(), append.epoch()));
      } else if (a instanceof Action.ApplyEntries apply) {
        largest = Math.max(largest, apply.entries().size());
        apply.entries().forEach(e -> handedOut.add(e.index()));
      }
    }
    return largest;
  }
}
