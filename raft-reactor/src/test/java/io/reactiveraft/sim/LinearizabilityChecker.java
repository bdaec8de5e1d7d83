package io.reactiveraft.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a history of register operations is linearizable: Wing and Gong's search for an
 * order that respects real time and the register's semantics, with Lowe's memoisation of
 * (operations linearized, register value) so no configuration is explored twice.
 *
 * <p>The history is split per key: it is linearizable exactly when each key's is. Failed operations
 * never happened and are dropped. Operations whose outcome is unknown (info) may take effect at any
 * point after their invocation, or never; reads among them are dropped too, since a read changes
 * nothing and an unknown one constrains nothing, and each one left in would only multiply the
 * places the search tries; so are the writes among them whose value nothing could have seen (see
 * {@link #withoutUnseenUnknownWrites}).
 */
public final class LinearizabilityChecker {

  /** The verdict for one history. */
  public record Result(boolean linearizable, String key, List<Operation> window) {
    static Result ok() {
      return new Result(true, null, List.of());
    }

    @Override
    public String toString() {
      if (linearizable) {
        return "linearizable";
      }
      StringBuilder sb =
          new StringBuilder("not linearizable on key " + key + "; smallest failing window:");
      window.forEach(op -> sb.append("\n  ").append(op));
      return sb.toString();
    }
  }

  private LinearizabilityChecker() {}

  /**
   * Checks a whole history, key by key; returns the first failing key's window.
   *
   * @throws SearchTooLargeException when some key's search is too large and every other key is
   *     linearizable: a key that cannot be checked hides no violation on another
   */
  public static Result check(List<Operation> history) {
    Map<String, List<Operation>> byKey = new LinkedHashMap<>();
    for (Operation op : history) {
      if (op.outcome() != Operation.Outcome.FAIL && !isUnknownRead(op)) {
        byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      }
    }
    SearchTooLargeException unchecked = null;
    byKey.replaceAll((key, ops) -> withoutUnseenUnknownWrites(ops));
    for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
      boolean ok;
      try {
        ok = linearizable(e.getValue());
      } catch (SearchTooLargeException tooLarge) {
        unchecked = tooLarge;
        continue;
      }
      if (!ok) {
        List<Operation> window;
        try {
          window = smallestFailingWindow(e.getValue());
        } catch (SearchTooLargeException tooLarge) {
          window = List.of(); // the verdict stands; only the window could not be narrowed
        }
        return new Result(false, e.getKey(), window);
      }
    }
    if (unchecked != null) {
      throw unchecked;
    }
    return Result.ok();
  }

  private static boolean isUnknownRead(Operation op) {
    return op.kind() == Operation.Kind.READ && op.outcome() == Operation.Outcome.INFO;
  }

  /**
   * One key's operations without the writes and compare-and-sets of unknown outcome whose value
   * nothing could have seen: no read returned it, no compare-and-set expected it, and no
   * compare-and-set whose compare failed ended after the operation began. Such an operation changes
   * the verdict in neither direction. If it took effect in some linearization, the register held
   * its value until the next write: a read there would have returned the value and a
   * compare-and-set there would have expected it or failed its compare, and there are none of
   * those; the next change is a write, since a compare-and-set would have expected the value. So
   * the same order without it (and without any other unknown operation that would now take effect
   * in its place, which may also never happen) is a linearization too. Left in, each one is a
   * branch of the search.
   */
  private static List<Operation> withoutUnseenUnknownWrites(List<Operation> ops) {
    Set<String> seen = new HashSet<>();
    long lastFailedCompareEnds = Long.MIN_VALUE;
    for (Operation op : ops) {
      if (op.kind() == Operation.Kind.READ && op.outcome() == Operation.Outcome.OK) {
        seen.add(op.value());
      } else if (op.kind() == Operation.Kind.CAS) {
        seen.add(op.expected());
        if (op.outcome() == Operation.Outcome.OK && !op.casSucceeded()) {
          lastFailedCompareEnds = Math.max(lastFailedCompareEnds, op.completedAt());
        }
      }
    }
    List<Operation> kept = new ArrayList<>(ops.size());
    for (Operation op : ops) {
      boolean unseen =
          op.outcome() == Operation.Outcome.INFO
              && op.kind() != Operation.Kind.READ
              && !op.value().equals(ABSENT)
              && !seen.contains(op.value())
              && lastFailedCompareEnds < op.invokedAt();
      if (!unseen) {
        kept.add(op);
      }
    }
    return kept;
  }

  /** Operations shown before the one that cannot be placed, for context. */
  private static final int WINDOW_CONTEXT = 9;

  /**
   * The shortest prefix (in invocation order) that is already not linearizable ends with the
   * operation that cannot be placed; the window is that operation and those just before it.
   */
  private static List<Operation> smallestFailingWindow(List<Operation> ops) {
    List<Operation> sorted = new ArrayList<>(ops);
    sorted.sort(Comparator.comparingLong(Operation::invokedAt));
    int lo = 1;
    int hi = sorted.size();
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (linearizable(sorted.subList(0, mid))) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return List.copyOf(sorted.subList(Math.max(0, lo - 1 - WINDOW_CONTEXT), lo));
  }

  /** One key's history. */
  static boolean linearizable(List<Operation> ops) {
    return new Search(ops).run();
  }

  /** A node of the search's doubly linked list: an invocation or a completion. */
  private static final class Entry {
    final Operation op;
    final int opIndex;
    final boolean isCall;
    final long time;
    Entry match;
    Entry prev;
    Entry next;

    Entry(Operation op, int opIndex, boolean isCall, long time) {
      this.op = op;
      this.opIndex = opIndex;
      this.isCall = isCall;
      this.time = time;
    }
  }

  /** Search steps per key before the checker gives up rather than run for hours. */
  static final long STEP_BUDGET = 2_000_000;

  /** The search for one key exceeded its budget: neither verdict could be reached. */
  static final class SearchTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SearchTooLargeException(long budget) {
      super("linearizability search exceeded " + budget + " steps");
    }
  }

  /** The value of a register nobody has written. */
  public static final String ABSENT = "";

  private record Memo(BitSet linearized, String state) {}

  private record Frame(Entry entry, String state) {}

  private static final class Search {
    private final Entry head = new Entry(null, -1, false, Long.MIN_VALUE);

    Search(List<Operation> ops) {
      List<Entry> entries = new ArrayList<>();
      for (int i = 0; i < ops.size(); i++) {
        Operation op = ops.get(i);
        Entry call = new Entry(op, i, true, op.invokedAt());
        entries.add(call);
        if (op.outcome() == Operation.Outcome.OK) {
          Entry ret = new Entry(op, i, false, op.completedAt());
          call.match = ret;
          entries.add(ret);
        }
      }
      // Calls before returns at equal times: operations that touch in time may overlap.
      entries.sort(
          Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> e.isCall ? 0 : 1));
      Entry prev = head;
      for (Entry e : entries) {
        prev.next = e;
        e.prev = prev;
        prev = e;
      }
    }

    boolean run() {
      Set<Memo> seen = new HashSet<>();
      long budget = STEP_BUDGET;
      List<Frame> stack = new ArrayList<>();
      BitSet linearized = new BitSet();
      String state = ABSENT;
      Entry entry = head.next;
      while (head.next != null) {
        if (--budget < 0) {
          throw new SearchTooLargeException(STEP_BUDGET);
        }
        if (entry == null) {
          return true; // only info calls remain: they may never take effect
        }
        if (entry.isCall) {
          String next = step(state, entry.op);
          if (next != null) {
            BitSet with = (BitSet) linearized.clone();
            with.set(entry.opIndex);
            if (seen.add(new Memo(with, next))) {
              stack.add(new Frame(entry, state));
              state = next;
              linearized = with;
              lift(entry);
              entry = head.next;
              continue;
            }
          }
          entry = entry.next;
        } else {
          // A completion reached before its call was linearized: backtrack.
          if (stack.isEmpty()) {
            return false;
          }
          Frame top = stack.remove(stack.size() - 1);
          state = top.state();
          linearized.clear(top.entry().opIndex);
          unlift(top.entry());
          entry = top.entry().next;
        }
      }
      return true;
    }

    /**
     * The register's value after {@code op} from {@code state}, or null when {@code op} cannot take
     * effect in that state. Values are never empty; the empty string is "absent".
     */
    private static String step(String state, Operation op) {
      boolean ok = op.outcome() == Operation.Outcome.OK;
      switch (op.kind()) {
        case WRITE:
          return op.value();
        case READ:
          return !ok || state.equals(op.value()) ? state : null;
        case CAS:
          boolean holds = state.equals(op.expected());
          if (!ok) {
            return holds ? op.value() : state; // if it took effect, its compare decided
          }
          if (op.casSucceeded()) {
            return holds ? op.value() : null;
          }
          return holds ? null : state;
        default:
          throw new IllegalStateException("unknown kind " + op.kind());
      }
    }

    private static void lift(Entry call) {
      call.prev.next = call.next;
      if (call.next != null) {
        call.next.prev = call.prev;
      }
      Entry ret = call.match;
      if (ret != null) {
        ret.prev.next = ret.next;
        if (ret.next != null) {
          ret.next.prev = ret.prev;
        }
      }
    }

    private static void unlift(Entry call) {
      Entry ret = call.match;
      if (ret != null) {
        ret.prev.next = ret;
        if (ret.next != null) {
          ret.next.prev = ret;
        }
      }
      call.prev.next = call;
      if (call.next != null) {
        call.next.prev = call;
      }
    }
  }
}
