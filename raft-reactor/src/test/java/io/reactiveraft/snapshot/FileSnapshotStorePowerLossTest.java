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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The file store on a file system that loses, when the power goes, what was not made durable
 * ({@link PowerLossFileSystem}): first the whole store contract on it, to show the model runs the
 * store as a real file system does, then random scripts of commits, replacements, abandoned sinks,
 * retention and setting aside, each cut by a power loss at a random call.
 *
 * <p>After the reboot: every snapshot whose commit returned, and that no later call touched, is
 * listed and reads back whole; every snapshot listed reads back intact and is one of the versions
 * written for its index; none whose deletion returned is back; no temporary file is left.
 */
class FileSnapshotStorePowerLossTest extends SnapshotStoreContract {

  private static final int SEEDS = 600;

  private PowerLossFileSystem fs;

  @Override
  SnapshotStore newStore() {
    fs = new PowerLossFileSystem();
    return FileSnapshotStore.open(fs.getPath("/snapshots"));
  }

  @Override
  SnapshotStore reopen() {
    return FileSnapshotStore.open(fs.getPath("/snapshots"));
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

    /** Every version ever given to a sink, by index: any of them may be found after the loss. */
    private final Map<Long, List<byte[]>> versions = new HashMap<>();

    /** Snapshots whose commit returned, untouched since: each must survive. */
    private final Map<Long, byte[]> acknowledged = new HashMap<>();

    /** Indexes whose deletion (or setting aside) returned and that were not committed again. */
    private final Set<Long> gone = new HashSet<>();

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
        }
      } catch (IOException | UncheckedIOException e) {
        if (!machine.crashed()) {
          throw new AssertionError("seed " + seed + ": a call failed without a power loss", e);
        }
        cutShort = true;
      }
      machine.crash();
      check(FileSnapshotStore.open(machine.crashImage(random).getPath("/snapshots")));
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
        } // closed uncommitted
      } else if (op == 7) {
        int keep = 1 + random.nextInt(3);
        List<Long> doomed = new ArrayList<>();
        for (int i = 0; i < listed.size() - keep; i++) {
          doomed.add(listed.get(i).index());
        }
        doomed.forEach(acknowledged::remove);
        store.retainNewest(keep);
        gone.addAll(doomed);
      } else if (op == 8) {
        SnapshotMeta victim = listed.get(random.nextInt(listed.size()));
        acknowledged.remove(victim.index());
        store.setAside(victim);
        gone.add(victim.index());
      } else {
        SnapshotMeta any = listed.get(random.nextInt(listed.size()));
        assertThat(readAll(store, any)).isIn(versions.get(any.index()).toArray());
      }
    }

    private void commit(FileSnapshotStore store, long index) throws IOException {
      byte[] bytes = data(random.nextInt(4 * PowerLossFileSystem.PAGE), random.nextLong());
      List<byte[]> written = versions.computeIfAbsent(index, i -> new ArrayList<>());
      written.add(bytes);
      acknowledged.remove(index);
      gone.remove(index);
      write(store, index, written.size(), bytes);
      acknowledged.put(index, bytes);
    }

    private void check(FileSnapshotStore rebooted) throws IOException {
      String replay = "seed " + seed;
      Map<Long, SnapshotMeta> listed = new HashMap<>();
      for (SnapshotMeta meta : rebooted.list()) {
        listed.put(meta.index(), meta);
        assertThat(gone)
            .as("%s: a deleted snapshot came back", replay)
            .doesNotContain(meta.index());
        assertThat(versions).as("%s: never written", replay).containsKey(meta.index());
        assertThat(readAll(rebooted, meta))
            .as("%s: snapshot %d reads back as a version written", replay, meta.index())
            .isIn(versions.get(meta.index()).toArray());
      }
      for (Map.Entry<Long, byte[]> e : acknowledged.entrySet()) {
        SnapshotMeta meta = listed.get(e.getKey());
        assertThat(meta).as("%s: committed snapshot %d lost", replay, e.getKey()).isNotNull();
        assertThat(readAll(rebooted, meta))
            .as("%s: snapshot %d", replay, e.getKey())
            .isEqualTo(e.getValue());
      }
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
