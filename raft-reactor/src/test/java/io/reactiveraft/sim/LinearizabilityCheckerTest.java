package io.reactiveraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.sim.Operation.Kind;
import io.reactiveraft.sim.Operation.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

  private final List<Operation> history = new ArrayList<>();

  private void op(
      Kind kind, String value, String expected, long from, long to, Outcome outcome, boolean cas) {
    history.add(
        new Operation(
            history.size(),
            history.size(),
            "k",
            kind,
            value,
            expected,
            from * 1_000_000,
            to == Long.MAX_VALUE ? to : to * 1_000_000,
            outcome,
            cas));
  }

  private void write(String v, long from, long to) {
    op(Kind.WRITE, v, null, from, to, Outcome.OK, false);
  }

  private void read(String v, long from, long to) {
    op(Kind.READ, v, null, from, to, Outcome.OK, false);
  }

  private boolean linearizable() {
    return LinearizabilityChecker.check(history).linearizable();
  }

  @Test
  void sequentialHistoryIsLinearizable() {
    write("1", 0, 1);
    read("1", 2, 3);
    write("2", 4, 5);
    read("2", 6, 7);
    assertThat(linearizable()).isTrue();
  }

  @Test
  void staleReadIsRejected() {
    write("1", 0, 1);
    write("2", 2, 3);
    read("1", 4, 5); // 2 was written before this read began
    LinearizabilityChecker.Result result = LinearizabilityChecker.check(history);
    assertThat(result.linearizable()).isFalse();
    assertThat(result.window()).last().matches(o -> o.kind() == Kind.READ && o.value().equals("1"));
    assertThat(result.toString()).contains("not linearizable on key k");
  }

  /** A key whose search is too large to finish must not hide a violation on another key. */
  @Test
  void aKeyTooLargeToCheckHidesNoViolationElsewhere() {
    List<Operation> ops = new ArrayList<>();
    // Key "a": many writes of unknown outcome, then a read of a value nobody wrote. Every subset
    // of the writes must be tried before the read is found impossible: far past the budget. (A
    // compare-and-set that failed its compare at the end keeps the writes in the search: any of
    // them could explain it.)
    ops.add(new Operation(ops.size(), 98, "a", Kind.CAS, "y", "x", 200, 201, Outcome.OK, false));
    for (int i = 0; i < 24; i++) {
      ops.add(
          new Operation(
              ops.size(),
              i,
              "a",
              Kind.WRITE,
              "v" + i,
              null,
              i,
              Long.MAX_VALUE,
              Outcome.INFO,
              false));
    }
    ops.add(
        new Operation(ops.size(), 99, "a", Kind.READ, "nobody", null, 100, 101, Outcome.OK, false));
    // Key "b": a plain stale read.
    ops.add(new Operation(ops.size(), 50, "b", Kind.WRITE, "1", null, 0, 1, Outcome.OK, false));
    ops.add(new Operation(ops.size(), 50, "b", Kind.WRITE, "2", null, 2, 3, Outcome.OK, false));
    ops.add(new Operation(ops.size(), 51, "b", Kind.READ, "1", null, 4, 5, Outcome.OK, false));

    LinearizabilityChecker.Result result = LinearizabilityChecker.check(ops);

    assertThat(result.linearizable()).isFalse();
    assertThat(result.key()).isEqualTo("b");
  }

  @Test
  void lostWriteIsRejected() {
    write("1", 0, 1);
    read("", 2, 3); // acknowledged write vanished
    assertThat(linearizable()).isFalse();
  }

  @Test
  void concurrentWriteMayBeSeenEitherWay() {
    write("1", 0, 10);
    read("1", 1, 2);
    read("", 0, 1); // before the write took effect... but it started at 0 too
    assertThat(linearizable()).isTrue();
  }

  @Test
  void readsMustAgreeOnOneOrderOfConcurrentWrites() {
    write("1", 0, 10);
    write("2", 0, 10);
    read("1", 11, 12);
    read("2", 13, 14);
    read("1", 15, 16); // flip-flop: no single order explains it
    assertThat(linearizable()).isFalse();
  }

  @Test
  void infoWriteMayTakeEffectLateOrNever() {
    write("1", 0, 1);
    op(Kind.WRITE, "2", null, 2, Long.MAX_VALUE, Outcome.INFO, false);
    read("1", 3, 4);
    read("2", 10, 11);
    assertThat(linearizable()).isTrue();

    history.clear();
    write("1", 0, 1);
    op(Kind.WRITE, "2", null, 2, Long.MAX_VALUE, Outcome.INFO, false);
    read("1", 10, 11);
    assertThat(linearizable()).as("never taking effect is allowed").isTrue();
  }

  @Test
  void infoWriteCannotTakeEffectBeforeItWasInvoked() {
    read("2", 0, 1);
    op(Kind.WRITE, "2", null, 5, Long.MAX_VALUE, Outcome.INFO, false);
    assertThat(linearizable()).isFalse();
  }

  @Test
  void failedOperationsNeverHappened() {
    write("1", 0, 1);
    op(Kind.WRITE, "2", null, 2, 3, Outcome.FAIL, false);
    read("1", 4, 5);
    assertThat(linearizable()).isTrue();
  }

  @Test
  void compareAndSetFollowsTheRegister() {
    write("1", 0, 1);
    op(Kind.CAS, "2", "1", 2, 3, Outcome.OK, true);
    op(Kind.CAS, "3", "1", 4, 5, Outcome.OK, false);
    read("2", 6, 7);
    assertThat(linearizable()).isTrue();

    history.clear();
    write("1", 0, 1);
    op(Kind.CAS, "3", "1", 4, 5, Outcome.OK, false); // compare failed though the value was 1
    assertThat(linearizable()).isFalse();
  }

  @Test
  void keysAreCheckedIndependently() {
    history.add(new Operation(0, 0, "a", Kind.WRITE, "1", null, 0, 1, Outcome.OK, false));
    history.add(new Operation(1, 1, "b", Kind.READ, "", null, 2, 3, Outcome.OK, false));
    history.add(new Operation(2, 2, "a", Kind.READ, "1", null, 2, 3, Outcome.OK, false));
    assertThat(linearizable()).isTrue();
  }

  @Test
  void readsWithAnUnknownOutcomeConstrainNothingAndCostTheSearchNothing() {
    // A history whose every operation overlaps 60 reads that never answered: left in, each one is
    // a place the search tries, and their subsets exceed its budget.
    for (int i = 0; i < 60; i++) {
      op(Kind.READ, null, null, 0, Long.MAX_VALUE, Outcome.INFO, false);
    }
    for (int i = 0; i < 40; i++) {
      write("v" + i, 10 * i + 1, 10 * i + 5);
      read("v" + i, 10 * i + 6, 10 * i + 9);
    }
    assertThat(linearizable()).isTrue();

    read("v3", 1_000, 1_001); // stale: the unknown reads must not hide it
    assertThat(linearizable()).isFalse();
  }

  @Test
  void writesOfUnknownOutcomeThatNothingSawCostTheSearchNothing() {
    // 60 writes that never answered and whose values no one read, overlapping everything.
    for (int i = 0; i < 60; i++) {
      op(Kind.WRITE, "unseen" + i, null, 0, Long.MAX_VALUE, Outcome.INFO, false);
    }
    for (int i = 0; i < 40; i++) {
      write("v" + i, 10 * i + 1, 10 * i + 5);
      read("v" + i, 10 * i + 6, 10 * i + 9);
    }
    assertThat(linearizable()).isTrue();

    read("v3", 1_000, 1_001); // stale: leaving the unseen writes out must not hide it
    assertThat(linearizable()).isFalse();
  }

  @Test
  void aWriteOfUnknownOutcomeThatExplainsAFailedCompareIsKept() {
    write("1", 0, 1);
    op(Kind.WRITE, "2", null, 2, Long.MAX_VALUE, Outcome.INFO, false); // no one reads "2"
    // The compare failed, so something other than "1" was there: only the unknown write.
    op(Kind.CAS, "3", "1", 5, 6, Outcome.OK, false);
    assertThat(linearizable()).isTrue();
  }

  @Test
  void largeConcurrentHistoryIsCheckedQuickly() {
    // 5 clients, overlapping writes of unique values and reads of the latest completed one.
    SplittableRandom random = new SplittableRandom(3);
    long t = 0;
    String last = "";
    for (int i = 0; i < 400; i++) {
      t += 1 + random.nextInt(3);
      if (random.nextBoolean()) {
        last = "v" + i;
        write(last, t, t + 5);
        t += 6;
      } else {
        read(last, t, t + 2);
      }
      if (random.nextInt(10) == 0) {
        op(Kind.WRITE, "lost" + i, null, t, Long.MAX_VALUE, Outcome.INFO, false);
      }
    }
    assertThat(linearizable()).isTrue();
  }
}
