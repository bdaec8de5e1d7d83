package io.reactiveraft.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.spi.SnapshotMeta;
import io.reactiveraft.spi.SnapshotSink;
import io.reactiveraft.spi.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The file store on a file system that loses, when the power goes, what was not made durable
 * ({@link PowerLossFileSystem}): first the whole store contract on it, each reopening being a
 * reboot after a power loss at that moment, then random scripts of commits, replacements, abandoned
 * sinks, retention and setting aside, each cut by a power loss at a random call.
 *
 * <p>After the reboot: every snapshot whose commit returned, and that no later call touched, is
 * listed and reads back whole; a snapshot the cut call was replacing is there, old or new; the cut
 * call's other snapshots are absent or read back as the version before or after it; nothing else is
 * listed (no abandoned write, nothing whose deletion returned); no temporary file is left.
 */
class FileSnapshotStorePowerLossTest extends SnapshotStoreContract {

  private static final int SEEDS = 600;

  private PowerLossFileSystem fs;

  @Override
  SnapshotStore newStore() {
    fs = new PowerLossFileSystem();
    return FileSnapshotStore.open(fs.getPath("/snapshots"));
  }

  private long reboots;

  /** The store as a reboot after a power loss now would find it. */
  @Override
  SnapshotStore reopen() {
    PowerLossFileSystem rebooted = fs.crashImage(new SplittableRandom(++reboots));
    return FileSnapshotStore.open(rebooted.getPath("/snapshots"));
  }

  @Test
  void whatACommitReturnedSurvivesAPowerLossAtAnyCallAndNothingTornIsListed() throws IOException {
    int cutShort = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      if (new Script(seed).runUntilPowerLoss()) {
        cutShort++;
      }
    }
    // Most scripts must be cut in the middle, or the crash points would test little.
    assertThat(cutShort).isGreaterThan(SEEDS * 3 / 4);
  }

  @Test
  void aCommitCutAtEachOfItsCallsLeavesTheOldSnapshotOrTheNewOneWhole() throws IOException {
    byte[] old = data(5_000, 1);
    byte[] replacement = data(9_000, 2);
    int calls = 0;
    for (int cut = 1; ; cut++) {
      PowerLossFileSystem machine = new PowerLossFileSystem();
      FileSnapshotStore store = FileSnapshotStore.open(machine.getPath("/snapshots"));
      write(store, 7, 1, old);
      machine.crashAfter(cut);
      boolean committed;
      try {
        write(store, 7, 2, replacement);
        committed = true;
      } catch (IOException e) {
        assertThat(machine.crashed()).as("only the power loss fails a call").isTrue();
        committed = false;
      }
      machine.crash();
      for (long seed = 0; seed < 20; seed++) {
        PowerLossFileSystem rebooted = machine.crashImage(new SplittableRandom(seed));
        FileSnapshotStore after = FileSnapshotStore.open(rebooted.getPath("/snapshots"));
        List<SnapshotMeta> listed = after.list();
        assertThat(listed).as("cut at call %d, reboot %d", cut, seed).hasSize(1);
        byte[] found = readAll(after, listed.get(0));
        if (committed) {
          assertThat(found).isEqualTo(replacement);
        } else {
          assertThat(found).isIn(old, replacement);
        }
      }
      if (committed) {
        calls = cut - 1;
        break;
      }
    }
    // create, header, data, trailer, force, rename, directory sync at least
    assertThat(calls).isGreaterThanOrEqualTo(7);
  }

  /** One random script against a fresh machine, then one reboot and the checks. */
  private static final class Script {
    private final long seed;
    private final SplittableRandom random;
    private final PowerLossFileSystem machine = new PowerLossFileSystem();

    /** What the store promised: the snapshots whose commit returned, untouched since. */
    private final Map<Long, byte[]> acknowledged = new HashMap<>();

    /**
     * What the call under way when the power went may have left, by index: the versions either side
     * of it, and whether the snapshot may be gone. Anything else listed is a violation.
     */
    private final Map<Long, Uncertain> underWay = new HashMap<>();

    private record Uncertain(List<byte[]> versions, boolean mayBeGone) {}

    private long nextIndex = 1;

    Script(long seed) {
      this.seed = seed;
      this.random = new SplittableRandom(seed);
    }

    /** True when the power went out before the script's end. */
    boolean runUntilPowerLoss() throws IOException {
      FileSnapshotStore store = FileSnapshotStore.open(machine.getPath("/snapshots"));
      machine.crashAfter(1 + random.nextInt(150));
      boolean cutShort = false;
      try {
        for (int step = 0; step < 30; step++) {
          step(store);
          underWay.clear();
        }
      } catch (IOException | UncheckedIOException e) {
        if (!machine.crashed()) {
          throw new AssertionError("seed " + seed + ": a call failed without a power loss", e);
        }
        cutShort = true;
      }
      machine.crash();
      try {
        check(FileSnapshotStore.open(machine.crashImage(random).getPath("/snapshots")));
      } catch (IOException | UncheckedIOException e) {
        throw new AssertionError("seed " + seed + ": after the reboot, " + e, e);
      }
      return cutShort;
    }

    private void step(FileSnapshotStore store) throws IOException {
      int op = random.nextInt(10);
      List<SnapshotMeta> listed = store.list();
      if (op <= 4 || listed.isEmpty()) {
        commit(store, nextIndex);
        nextIndex += 1 + random.nextInt(3);
      } else if (op == 5) {
        commit(store, listed.get(random.nextInt(listed.size())).index()); // a replacement
      } else if (op == 6) {
        try (SnapshotSink sink = store.create(nextIndex, 1, CONFIG)) {
          sink.out().write(data(random.nextInt(3 * PowerLossFileSystem.PAGE), random.nextLong()));
        } // closed uncommitted: never to be listed
      } else if (op == 7) {
        int keep = 1 + random.nextInt(3);
        for (int i = 0; i < listed.size() - keep; i++) {
          mayDelete(listed.get(i).index());
        }
        store.retainNewest(keep);
      } else if (op == 8) {
        SnapshotMeta victim = listed.get(random.nextInt(listed.size()));
        mayDelete(victim.index());
        store.setAside(victim);
      } else {
        SnapshotMeta any = listed.get(random.nextInt(listed.size()));
        assertThat(readAll(store, any)).isEqualTo(acknowledged.get(any.index()));
      }
    }

    /** The call about to run deletes (or sets aside) {@code index}: from now on it may be gone. */
    private void mayDelete(long index) {
      byte[] before = acknowledged.remove(index);
      underWay.put(index, new Uncertain(List.of(before), true));
    }

    private void commit(FileSnapshotStore store, long index) throws IOException {
      byte[] bytes = data(random.nextInt(4 * PowerLossFileSystem.PAGE), random.nextLong());
      byte[] before = acknowledged.remove(index);
      // A replacement is atomic: the old snapshot or the new one, never neither.
      underWay.put(
          index,
          before == null
              ? new Uncertain(List.of(bytes), true)
              : new Uncertain(List.of(before, bytes), false));
      write(store, index, random.nextInt(1, 100), bytes);
      acknowledged.put(index, bytes);
    }

    private void check(FileSnapshotStore rebooted) throws IOException {
      String replay = "seed " + seed;
      Map<Long, SnapshotMeta> listed = new HashMap<>();
      for (SnapshotMeta meta : rebooted.list()) {
        long index = meta.index();
        listed.put(index, meta);
        byte[] found = readAll(rebooted, meta);
        if (acknowledged.containsKey(index)) {
          assertThat(found).as("%s: snapshot %d", replay, index).isEqualTo(acknowledged.get(index));
        } else {
          Uncertain uncertain = underWay.get(index);
          assertThat(uncertain)
              .as("%s: snapshot %d listed, never committed or deleted for good", replay, index)
              .isNotNull();
          assertThat(uncertain.versions().stream().anyMatch(v -> Arrays.equals(v, found)))
              .as(
                  "%s: snapshot %d is neither the version before the cut call nor after",
                  replay, index)
              .isTrue();
        }
      }
      for (long index : acknowledged.keySet()) {
        assertThat(listed).as("%s: committed snapshot %d lost", replay, index).containsKey(index);
      }
      underWay.forEach(
          (index, uncertain) ->
              assertThat(uncertain.mayBeGone() || listed.containsKey(index))
                  .as("%s: snapshot %d gone while it was being replaced", replay, index)
                  .isTrue());
      try (DirectoryStream<Path> files = Files.newDirectoryStream(rebooted.directory())) {
        for (Path file : files) {
          assertThat(SnapshotFileFormat.isTempName(file.getFileName().toString()))
              .as("%s: %s left after open", replay, file)
              .isFalse();
        }
      }
    }
  }
}
