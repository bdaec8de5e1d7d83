package io.reactiveraft.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A log directory in memory that models what a power loss keeps, at page level.
 *
 * <p>Each file has a durable image and a page cache. A write dirties the 4 KiB pages it touches; a
 * force copies the dirty pages of its range to the durable image. {@link #crashImage} builds the
 * directory a reboot would find: the durable image of every file plus ANY subset of its dirty pages
 * (the kernel writes pages back whenever and in whatever order it likes, so a later page may be on
 * disk while an earlier one is not). Directory changes (create, rename, delete) are durable after
 * {@link #syncDirectory}; a crash keeps a prefix of the unsynced ones, in order, as a journaling
 * file system would, or, in half of the random images, any subset of them, a stricter model under
 * which the store must be safe too.
 *
 * <p>Faults: {@link #crashAfter} makes the n-th mutating call (and every later one) fail as if the
 * machine had stopped there; {@link #failForces} fails forces; {@link #capacity} makes allocation
 * beyond a number of bytes fail like a full disk. Thread-safe (one lock).
 */
final class PageCacheDirectory implements StorageDirectory {

  static final int PAGE = 4096;

  /** One file: its durable bytes and its page cache. */
  static final class SimFile {
    final byte[] durable;
    final byte[] cache;
    final BitSet dirty = new BitSet();

    SimFile(byte[] durable) {
      this.durable = durable;
      this.cache = durable.clone();
    }
  }

  /** A directory change not yet synced: {@code file} appears under {@code to} (null: none). */
  private record Change(String from, String to, SimFile file) {
    void applyTo(TreeMap<String, SimFile> names) {
      if (from != null) {
        names.remove(from);
      }
      if (to != null) {
        names.put(to, file);
      }
    }
  }

  private final TreeMap<String, SimFile> visible = new TreeMap<>();
  private final TreeMap<String, SimFile> synced = new TreeMap<>();
  private final List<Change> unsynced = new ArrayList<>();
  private long operations;
  private long crashAt = Long.MAX_VALUE;
  private String crashOn;
  private int crashOnOccurrence;
  private boolean crashed;
  private boolean failForces;
  private long capacity = Long.MAX_VALUE;

  PageCacheDirectory() {}

  private PageCacheDirectory(TreeMap<String, SimFile> files) {
    visible.putAll(files);
    synced.putAll(files);
  }

  // ------------------------------------------------------------------ faults

  /** The machine stops at the {@code n}-th mutating call from now (1 = the next one). */
  synchronized void crashAfter(long n) {
    crashAt = n > Long.MAX_VALUE - operations ? Long.MAX_VALUE : operations + n;
  }

  /**
   * The machine stops at the {@code occurrence}-th mutating call described as {@code operation}:
   * "write NAME", "force NAME", "create NAME", "rename FROM", "delete NAME" or "sync".
   */
  synchronized void crashOn(String operation, int occurrence) {
    crashOn = operation;
    crashOnOccurrence = occurrence;
  }

  /** Stops the machine now. */
  synchronized void crash() {
    crashed = true;
  }

  synchronized boolean crashed() {
    return crashed;
  }

  /** Mutating calls so far (writes, forces, creations, renames, deletions, syncs). */
  synchronized long operations() {
    return operations;
  }

  synchronized void failForces(boolean fail) {
    failForces = fail;
  }

  /** Allocations beyond {@code bytes} in total fail with "No space left on device". */
  synchronized void capacity(long bytes) {
    capacity = bytes;
  }

  /**
   * What a reboot finds: durable images, plus a random subset of the dirty pages, and a random
   * prefix of the unsynced directory changes, or (half of the time) a random subset of them.
   */
  synchronized PageCacheDirectory crashImage(SplittableRandom random) {
    BitSet kept = new BitSet();
    if (random.nextBoolean()) {
      kept.set(0, random.nextInt(unsynced.size() + 1));
    } else {
      for (int i = 0; i < unsynced.size(); i++) {
        kept.set(i, random.nextBoolean());
      }
    }
    return crashImage(kept, (file, page) -> random.nextBoolean());
  }

  /** Decides which dirty pages a crash keeps. */
  @FunctionalInterface
  interface PagePicker {
    boolean keep(String file, int page);
  }

  /**
   * What a reboot finds when the first {@code directoryChanges} unsynced directory changes and the
   * dirty pages {@code picker} chooses made it to disk.
   */
  synchronized PageCacheDirectory crashImage(int directoryChanges, PagePicker picker) {
    BitSet kept = new BitSet();
    kept.set(0, Math.min(directoryChanges, unsynced.size()));
    return crashImage(kept, picker);
  }

  /** What a reboot finds when the unsynced directory changes {@code kept} names made it. */
  private PageCacheDirectory crashImage(BitSet kept, PagePicker picker) {
    TreeMap<String, SimFile> names = new TreeMap<>(synced);
    for (int i = kept.nextSetBit(0); i >= 0 && i < unsynced.size(); i = kept.nextSetBit(i + 1)) {
      unsynced.get(i).applyTo(names);
    }
    TreeMap<String, SimFile> files = new TreeMap<>();
    for (var e : names.entrySet()) {
      SimFile f = e.getValue();
      byte[] image = f.durable.clone();
      for (int page = f.dirty.nextSetBit(0); page >= 0; page = f.dirty.nextSetBit(page + 1)) {
        if (picker.keep(e.getKey(), page)) {
          int from = page * PAGE;
          System.arraycopy(f.cache, from, image, from, Math.min(PAGE, image.length - from));
        }
      }
      files.put(e.getKey(), new SimFile(image));
    }
    return new PageCacheDirectory(files);
  }

  /** What a reboot finds when no dirty page and no unsynced directory change made it. */
  synchronized PageCacheDirectory durableImage() {
    return crashImage(0, (file, page) -> false);
  }

  /**
   * The directory a restarted process finds after this one was killed: the OS kept running, so its
   * page cache, dirty pages and unsynced directory changes are all still there, and a later power
   * loss can still lose them.
   */
  synchronized PageCacheDirectory afterProcessKill() {
    Map<SimFile, SimFile> copies = new IdentityHashMap<>();
    PageCacheDirectory next = new PageCacheDirectory();
    visible.forEach((name, f) -> next.visible.put(name, copy(f, copies)));
    synced.forEach((name, f) -> next.synced.put(name, copy(f, copies)));
    for (Change c : unsynced) {
      next.unsynced.add(
          new Change(c.from(), c.to(), c.file() == null ? null : copy(c.file(), copies)));
    }
    next.capacity = capacity;
    return next;
  }

  private static SimFile copy(SimFile f, Map<SimFile, SimFile> copies) {
    return copies.computeIfAbsent(
        f,
        original -> {
          SimFile c = new SimFile(original.durable.clone());
          System.arraycopy(original.cache, 0, c.cache, 0, c.cache.length);
          c.dirty.or(original.dirty);
          return c;
        });
  }

  /** The directory as it is now with every page durable (a clean shutdown of the OS). */
  synchronized PageCacheDirectory cleanImage() {
    TreeMap<String, SimFile> files = new TreeMap<>();
    for (var e : visible.entrySet()) {
      files.put(e.getKey(), new SimFile(e.getValue().cache.clone()));
    }
    return new PageCacheDirectory(files);
  }

  /** Direct access to a file's current bytes, for tests that damage them. */
  synchronized byte[] bytes(String name) {
    return visible.get(name).cache;
  }

  // ------------------------------------------------------------------ StorageDirectory

  private void step(String operation) throws IOException {
    if (crashed) {
      throw new IOException("simulated power loss");
    }
    if (operation.equals(crashOn) && --crashOnOccurrence == 0) {
      crashed = true;
    }
    if (++operations >= crashAt) {
      crashed = true;
    }
    if (crashed) {
      throw new IOException("simulated power loss");
    }
  }

  private void uncheckedStep(String operation) {
    try {
      step(operation);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String describe(String name) {
    return "sim:/log/" + name;
  }

  @Override
  public synchronized List<String> list() {
    return new ArrayList<>(visible.keySet());
  }

  @Override
  public synchronized StorageFile create(String name, int size) throws IOException {
    step("create " + name);
    if (visible.containsKey(name)) {
      throw new IOException(name + " exists");
    }
    long used = visible.values().stream().mapToLong(f -> f.cache.length).sum();
    if (used + size > capacity) {
      throw new IOException("No space left on device");
    }
    SimFile file = new SimFile(new byte[size]);
    visible.put(name, file);
    unsynced.add(new Change(null, name, file));
    return new Handle(name, file);
  }

  @Override
  public synchronized StorageFile open(String name) throws IOException {
    SimFile file = visible.get(name);
    if (file == null) {
      throw new IOException(name + " does not exist");
    }
    return new Handle(name, file);
  }

  @Override
  public synchronized void rename(String from, String to) throws IOException {
    step("rename " + from);
    SimFile file = visible.remove(from);
    if (file == null) {
      throw new IOException(from + " does not exist");
    }
    visible.put(to, file);
    unsynced.add(new Change(from, to, file));
  }

  @Override
  public synchronized void delete(String name) throws IOException {
    step("delete " + name);
    if (visible.remove(name) != null) {
      unsynced.add(new Change(name, null, null));
    }
  }

  @Override
  public synchronized void syncDirectory() throws IOException {
    step("sync");
    unsynced.forEach(change -> change.applyTo(synced));
    unsynced.clear();
  }

  @Override
  public void close() {}

  /** An open file; its name is fixed at open, like a mapping that survives a rename. */
  private final class Handle implements StorageFile {
    private final String name;
    private final SimFile file;

    Handle(String name, SimFile file) {
      this.name = name;
      this.file = file;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int size() {
      return file.cache.length;
    }

    @Override
    public void write(int offset, ByteBuffer src) {
      synchronized (PageCacheDirectory.this) {
        uncheckedStep("write " + name);
        int length = src.remaining();
        src.duplicate().get(file.cache, offset, length);
        if (length > 0) {
          file.dirty.set(offset / PAGE, (offset + length - 1) / PAGE + 1);
        }
      }
    }

    @Override
    public void read(int offset, byte[] dst, int dstOffset, int length) {
      synchronized (PageCacheDirectory.this) {
        System.arraycopy(file.cache, offset, dst, dstOffset, length);
      }
    }

    @Override
    public void force(int offset, int length) {
      synchronized (PageCacheDirectory.this) {
        uncheckedStep("force " + name);
        if (failForces) {
          throw new UncheckedIOException(new IOException("Input/output error (simulated)"));
        }
        if (length <= 0) {
          return;
        }
        int first = offset / PAGE;
        int last = (offset + length - 1) / PAGE;
        for (int page = file.dirty.nextSetBit(first);
            page >= 0 && page <= last;
            page = file.dirty.nextSetBit(page + 1)) {
          int from = page * PAGE;
          System.arraycopy(
              file.cache, from, file.durable, from, Math.min(PAGE, file.cache.length - from));
        }
        file.dirty.clear(first, last + 1);
      }
    }

    @Override
    public StorageFile renamed(String newName) {
      return new Handle(newName, file);
    }

    @Override
    public void close() {}
  }
}
