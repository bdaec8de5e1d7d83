package io.reactiveraft.snapshot;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * A file system in memory that models what a power loss keeps, for code written against {@code
 * java.nio.file} (the snapshot store): the log's {@code PageCacheDirectory} model, behind the
 * standard API, so the store runs unchanged on it.
 *
 * <ul>
 *   <li>Each file has a durable image and a page cache. A write dirties the 4 KiB pages it touches;
 *       forcing a channel of the file copies its dirty pages and its length to the durable image.
 *   <li>Directory changes (creations, renames, deletions) become durable when a channel opened on
 *       the directory is forced, as {@code fsync} of a directory does on Linux.
 *   <li>{@link #crashImage} builds what a reboot finds: every file's durable image plus ANY subset
 *       of its dirty pages, its length the old or the new one, and a prefix of each directory's
 *       unsynced changes, in order, as a journaling file system keeps them, or, for half of the
 *       directories, any subset of them, a stricter model the store must survive too.
 *   <li>{@link #crashAfter} stops the machine at the n-th mutating call: that call and every later
 *       one, reads included, fail with an {@link IOException}.
 * </ul>
 *
 * <p>Only what the store uses is supported; the rest throws {@link UnsupportedOperationException}.
 * A move between two directories is two changes, one in each, which a crash may split; the store
 * renames within its directory only. Thread-safe (one lock), except that a channel's position
 * belongs to the thread using the channel.
 */
final class PowerLossFileSystem extends FileSystem {

  static final int PAGE = 4096;

  /** A file or a directory. */
  private static final class Node {
    final boolean directory;

    // A file: its page cache and its durable image, each with a length.
    byte[] cache = new byte[0];
    int length;
    byte[] durable = new byte[0];
    int durableLength;
    final BitSet dirty = new BitSet();

    // A directory: the names a process sees, the names that survive a crash, and the changes
    // between the two.
    final TreeMap<String, Node> visible = new TreeMap<>();
    final TreeMap<String, Node> synced = new TreeMap<>();
    final List<Change> unsynced = new ArrayList<>();

    Node(boolean directory) {
      this.directory = directory;
    }

    /** Copies the dirty pages {@code keep} picks from the page cache into {@code image}. */
    void copyDirtyPages(byte[] image, IntPredicate keep) {
      for (int page = dirty.nextSetBit(0); page >= 0; page = dirty.nextSetBit(page + 1)) {
        if (keep.test(page)) {
          int from = page * PAGE;
          int to = Math.min(from + PAGE, Math.min(cache.length, image.length));
          if (to > from) {
            System.arraycopy(cache, from, image, from, to - from);
          }
        }
      }
    }
  }

  /**
   * A directory change not yet synced: the name {@code from} goes (null: none) and {@code node}
   * appears under {@code to} (null: none). A creation, a rename or a deletion.
   */
  private record Change(String from, String to, Node node) {
    void applyTo(TreeMap<String, Node> names) {
      if (from != null) {
        names.remove(from);
      }
      if (to != null) {
        names.put(to, node);
      }
    }
  }

  private final Provider provider = new Provider();
  private final Node root;
  private long operations;
  private long crashAt = Long.MAX_VALUE;
  private boolean crashed;

  PowerLossFileSystem() {
    this(new Node(true));
  }

  private PowerLossFileSystem(Node root) {
    this.root = root;
  }

  // ------------------------------------------------------------------ faults

  /** The machine stops at the {@code n}-th mutating call from now (1 = the next one). */
  synchronized void crashAfter(long n) {
    crashAt = n > Long.MAX_VALUE - operations ? Long.MAX_VALUE : operations + n;
  }

  /** Stops the machine now. */
  synchronized void crash() {
    crashed = true;
  }

  synchronized boolean crashed() {
    return crashed;
  }

  /** Mutating calls so far: writes, forces, creations, renames, deletions, truncations. */
  synchronized long operations() {
    return operations;
  }

  /**
   * What a reboot finds: the durable images plus a random subset of the dirty pages and a random
   * length (old or new) per file, and a random prefix (or subset) of each directory's unsynced
   * changes.
   */
  synchronized PowerLossFileSystem crashImage(SplittableRandom random) {
    return new PowerLossFileSystem(survivor(root, random, new IdentityHashMap<>()));
  }

  private static Node survivor(Node node, SplittableRandom random, Map<Node, Node> copies) {
    Node copy = copies.get(node);
    if (copy != null) {
      return copy; // renamed within the prefix: one file under its surviving name
    }
    copy = new Node(node.directory);
    copies.put(node, copy);
    if (node.directory) {
      TreeMap<String, Node> names = new TreeMap<>(node.synced);
      boolean inOrder = random.nextBoolean();
      int prefix = random.nextInt(node.unsynced.size() + 1);
      for (int i = 0; i < node.unsynced.size(); i++) {
        if (inOrder ? i < prefix : random.nextBoolean()) {
          node.unsynced.get(i).applyTo(names);
        }
      }
      for (Map.Entry<String, Node> e : names.entrySet()) {
        Node child = survivor(e.getValue(), random, copies);
        copy.visible.put(e.getKey(), child);
        copy.synced.put(e.getKey(), child);
      }
    } else {
      int length = random.nextBoolean() ? node.length : node.durableLength;
      byte[] bytes = Arrays.copyOf(node.durable, Math.max(length, node.durable.length));
      node.copyDirtyPages(bytes, page -> random.nextBoolean());
      Arrays.fill(bytes, length, bytes.length, (byte) 0); // past the end reads back as zeros
      copy.cache = bytes.clone();
      copy.durable = bytes;
      copy.length = length;
      copy.durableLength = length;
    }
    return copy;
  }

  /** Counts a mutating call, failing it when the machine has stopped or stops now. */
  private void mutating(String what) throws IOException {
    running();
    operations++;
    if (operations >= crashAt) {
      crashed = true;
      throw new IOException("power lost at " + what);
    }
  }

  private void running() throws IOException {
    if (crashed) {
      throw new IOException("power lost");
    }
  }

  // ------------------------------------------------------------------ tree

  private Node lookup(Path path) throws IOException {
    Node node = root;
    for (String name : names(path)) {
      if (!node.directory) {
        throw new NoSuchFileException(path.toString());
      }
      node = node.visible.get(name);
      if (node == null) {
        throw new NoSuchFileException(path.toString());
      }
    }
    return node;
  }

  private Node parentOf(Path path) throws IOException {
    List<String> names = names(path);
    if (names.isEmpty()) {
      throw new IOException("the root has no parent");
    }
    Node parent = root;
    for (String name : names.subList(0, names.size() - 1)) {
      parent = parent.visible.get(name);
      if (parent == null) {
        throw new NoSuchFileException(path.toString());
      }
      if (!parent.directory) {
        throw new NotDirectoryException(path.toString());
      }
    }
    return parent;
  }

  private static String nameOf(Path path) {
    List<String> names = names(path);
    return names.get(names.size() - 1);
  }

  private static List<String> names(Path path) {
    if (!(path instanceof SimPath p)) {
      throw new IllegalArgumentException("not a path of this file system: " + path);
    }
    return p.toAbsolutePath().normalize().names;
  }

  private static void change(Node directory, Change change) {
    change.applyTo(directory.visible);
    directory.unsynced.add(change);
  }

  private synchronized Node create(Path path, boolean directory) throws IOException {
    Node parent = parentOf(path);
    String name = nameOf(path);
    if (parent.visible.containsKey(name)) {
      throw new FileAlreadyExistsException(path.toString());
    }
    mutating("create " + path);
    Node node = new Node(directory);
    change(parent, new Change(null, name, node));
    return node;
  }

  // ------------------------------------------------------------------ FileSystem

  @Override
  public FileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() {}

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of(new SimPath(this, true, List.of()));
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic");
  }

  @Override
  public Path getPath(String first, String... more) {
    String joined = more.length == 0 ? first : first + "/" + String.join("/", more);
    List<String> names = new ArrayList<>();
    for (String name : joined.split("/")) {
      if (!name.isEmpty()) {
        names.add(name);
      }
    }
    return new SimPath(this, joined.startsWith("/"), names);
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    throw new UnsupportedOperationException();
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException();
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException();
  }

  // ------------------------------------------------------------------ paths

  /** A path of this file system; relative paths resolve against the root. */
  private static final class SimPath implements Path {
    private final PowerLossFileSystem fs;
    private final boolean absolute;
    private final List<String> names;

    SimPath(PowerLossFileSystem fs, boolean absolute, List<String> names) {
      this.fs = fs;
      this.absolute = absolute;
      this.names = List.copyOf(names);
    }

    @Override
    public FileSystem getFileSystem() {
      return fs;
    }

    @Override
    public boolean isAbsolute() {
      return absolute;
    }

    @Override
    public Path getRoot() {
      return absolute ? new SimPath(fs, true, List.of()) : null;
    }

    @Override
    public Path getFileName() {
      return names.isEmpty() ? null : new SimPath(fs, false, List.of(names.get(names.size() - 1)));
    }

    @Override
    public Path getParent() {
      if (names.isEmpty() || (names.size() == 1 && !absolute)) {
        return null;
      }
      return new SimPath(fs, absolute, names.subList(0, names.size() - 1));
    }

    @Override
    public int getNameCount() {
      return names.size();
    }

    @Override
    public Path getName(int index) {
      return new SimPath(fs, false, List.of(names.get(index)));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
      return new SimPath(fs, false, names.subList(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
      return other instanceof SimPath p
          && p.absolute == absolute
          && p.names.size() <= names.size()
          && names.subList(0, p.names.size()).equals(p.names);
    }

    @Override
    public boolean endsWith(Path other) {
      if (!(other instanceof SimPath p) || (p.absolute && !equals(p))) {
        return false;
      }
      return p.names.size() <= names.size()
          && names.subList(names.size() - p.names.size(), names.size()).equals(p.names);
    }

    @Override
    public SimPath normalize() {
      List<String> normal = new ArrayList<>();
      for (String name : names) {
        if (name.equals("..")) {
          if (!normal.isEmpty()) {
            normal.remove(normal.size() - 1);
          }
        } else if (!name.equals(".")) {
          normal.add(name);
        }
      }
      return new SimPath(fs, absolute, normal);
    }

    @Override
    public Path resolve(Path other) {
      SimPath p = (SimPath) other;
      if (p.absolute) {
        return p;
      }
      List<String> joined = new ArrayList<>(names);
      joined.addAll(p.names);
      return new SimPath(fs, absolute, joined);
    }

    @Override
    public Path relativize(Path other) {
      SimPath p = (SimPath) other;
      if (p.absolute != absolute || !p.startsWith(this)) {
        throw new UnsupportedOperationException("relativize " + other + " against " + this);
      }
      return new SimPath(fs, false, p.names.subList(names.size(), p.names.size()));
    }

    @Override
    public URI toUri() {
      return URI.create("powerloss://" + toAbsolutePath());
    }

    @Override
    public SimPath toAbsolutePath() {
      return absolute ? this : new SimPath(fs, true, names);
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
      Path real = toAbsolutePath().normalize();
      synchronized (fs) {
        fs.running();
        fs.lookup(real);
      }
      return real;
    }

    @Override
    public WatchKey register(
        WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int compareTo(Path other) {
      return toString().compareTo(other.toString());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SimPath p
          && p.fs == fs
          && p.absolute == absolute
          && p.names.equals(names);
    }

    @Override
    public int hashCode() {
      return names.hashCode() * 31 + (absolute ? 1 : 0);
    }

    @Override
    public String toString() {
      return (absolute ? "/" : "") + String.join("/", names);
    }
  }

  // ------------------------------------------------------------------ channels

  /** A channel on a file, or on a directory (only forced, to sync the directory). */
  private final class SimChannel extends FileChannel {
    private final Path path;
    private final Node node;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private long position;

    SimChannel(Path path, Node node, boolean readable, boolean writable, boolean append) {
      this.path = path;
      this.node = node;
      this.readable = readable;
      this.writable = writable;
      this.append = append;
    }

    private void checkFile() throws IOException {
      if (!isOpen()) {
        throw new ClosedChannelException();
      }
      if (node.directory) {
        throw new IOException(path + " is a directory");
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      int n = read(dst, position);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        int n = read(dsts[i]);
        if (n < 0) {
          return total == 0 ? -1 : total;
        }
        total += n;
      }
      return total;
    }

    @Override
    public int read(ByteBuffer dst, long at) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        running();
        checkFile();
        if (!readable) {
          throw new NonReadableChannelException();
        }
        if (at >= node.length) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), node.length - at);
        dst.put(node.cache, (int) at, n);
        return n;
      }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        long at = append ? node.length : position;
        int n = write(src, at);
        position = at + n;
        return n;
      }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        total += write(srcs[i]);
      }
      return total;
    }

    @Override
    public int write(ByteBuffer src, long at) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        checkFile();
        if (!writable) {
          throw new NonWritableChannelException();
        }
        mutating("write " + path);
        int n = src.remaining();
        int end = Math.toIntExact(at + n);
        if (end > node.cache.length) {
          node.cache = Arrays.copyOf(node.cache, Math.max(end, node.cache.length * 2));
        }
        src.get(node.cache, (int) at, n);
        node.length = Math.max(node.length, end);
        if (n > 0) {
          node.dirty.set((int) (at / PAGE), (end - 1) / PAGE + 1);
        }
        return n;
      }
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public FileChannel position(long newPosition) {
      position = newPosition;
      return this;
    }

    @Override
    public long size() throws IOException {
      synchronized (PowerLossFileSystem.this) {
        running();
        checkFile();
        return node.length;
      }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        checkFile();
        if (!writable) {
          throw new NonWritableChannelException();
        }
        if (size < 0) {
          throw new IllegalArgumentException("negative size " + size);
        }
        if (size < node.length) {
          mutating("truncate " + path);
          Arrays.fill(node.cache, (int) size, node.length, (byte) 0);
          node.dirty.set((int) (size / PAGE), (node.length - 1) / PAGE + 1);
          node.length = (int) size;
        }
        position = Math.min(position, size);
        return this;
      }
    }

    @Override
    public void force(boolean metaData) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        if (!isOpen()) {
          throw new ClosedChannelException();
        }
        mutating((node.directory ? "sync " : "force ") + path);
        if (node.directory) {
          node.synced.clear();
          node.synced.putAll(node.visible);
          node.unsynced.clear();
          return;
        }
        node.durable = Arrays.copyOf(node.durable, Math.max(node.durable.length, node.length));
        node.copyDirtyPages(node.durable, page -> true);
        node.dirty.clear();
        node.durableLength = node.length;
      }
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
      throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) {
      throw new UnsupportedOperationException();
    }

    @Override
    protected void implCloseChannel() {}
  }

  // ------------------------------------------------------------------ provider

  private record Attributes(Node node) implements BasicFileAttributes {
    private static final FileTime EPOCH = FileTime.fromMillis(0);

    @Override
    public FileTime lastModifiedTime() {
      return EPOCH;
    }

    @Override
    public FileTime lastAccessTime() {
      return EPOCH;
    }

    @Override
    public FileTime creationTime() {
      return EPOCH;
    }

    @Override
    public boolean isRegularFile() {
      return !node.directory;
    }

    @Override
    public boolean isDirectory() {
      return node.directory;
    }

    @Override
    public boolean isSymbolicLink() {
      return false;
    }

    @Override
    public boolean isOther() {
      return false;
    }

    @Override
    public long size() {
      return node.directory ? 0 : node.length;
    }

    @Override
    public Object fileKey() {
      return null;
    }
  }

  private final class Provider extends FileSystemProvider {
    @Override
    public String getScheme() {
      return "powerloss";
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Path getPath(URI uri) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SeekableByteChannel newByteChannel(
        Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      return newFileChannel(path, options, attrs);
    }

    @Override
    public FileChannel newFileChannel(
        Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      synchronized (PowerLossFileSystem.this) {
        running();
        boolean write =
            options.contains(StandardOpenOption.WRITE)
                || options.contains(StandardOpenOption.APPEND);
        boolean read = options.contains(StandardOpenOption.READ) || !write;
        Node node;
        try {
          node = lookup(path);
          if (options.contains(StandardOpenOption.CREATE_NEW)) {
            throw new FileAlreadyExistsException(path.toString());
          }
        } catch (NoSuchFileException e) {
          if (!write
              || !(options.contains(StandardOpenOption.CREATE)
                  || options.contains(StandardOpenOption.CREATE_NEW))) {
            throw e;
          }
          node = create(path, false);
        }
        if (node.directory && write) {
          throw new IOException(path + " is a directory");
        }
        SimChannel channel =
            new SimChannel(path, node, read, write, options.contains(StandardOpenOption.APPEND));
        if (write && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
          channel.truncate(0);
        }
        return channel;
      }
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(
        Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
      List<Path> entries = new ArrayList<>();
      synchronized (PowerLossFileSystem.this) {
        running();
        Node node = lookup(dir);
        if (!node.directory) {
          throw new NotDirectoryException(dir.toString());
        }
        for (String name : node.visible.keySet()) {
          Path entry = dir.resolve(name);
          if (filter.accept(entry)) {
            entries.add(entry);
          }
        }
      }
      return new DirectoryStream<>() {
        @Override
        public Iterator<Path> iterator() {
          return entries.iterator();
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        running();
        create(dir, true);
      }
    }

    @Override
    public void delete(Path path) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        running();
        Node node = lookup(path);
        if (node.directory && !node.visible.isEmpty()) {
          throw new DirectoryNotEmptyException(path.toString());
        }
        mutating("delete " + path);
        change(parentOf(path), new Change(nameOf(path), null, null));
      }
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        running();
        Node node = lookup(source);
        Node from = parentOf(source);
        Node to = parentOf(target);
        if (to.visible.containsKey(nameOf(target))
            && !Arrays.asList(options).contains(StandardCopyOption.REPLACE_EXISTING)) {
          throw new FileAlreadyExistsException(target.toString());
        }
        mutating("rename " + source);
        if (from == to) {
          change(from, new Change(nameOf(source), nameOf(target), node));
        } else {
          change(to, new Change(null, nameOf(target), node));
          change(from, new Change(nameOf(source), null, null));
        }
      }
    }

    @Override
    public boolean isSameFile(Path path, Path path2) {
      return path.toAbsolutePath().normalize().equals(path2.toAbsolutePath().normalize());
    }

    @Override
    public boolean isHidden(Path path) {
      return false;
    }

    @Override
    public FileStore getFileStore(Path path) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        running();
        lookup(path);
      }
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(
        Path path, Class<V> type, LinkOption... options) {
      return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributes(
        Path path, Class<A> type, LinkOption... options) throws IOException {
      if (type != BasicFileAttributes.class) {
        throw new UnsupportedOperationException(type.getName());
      }
      synchronized (PowerLossFileSystem.this) {
        running();
        return (A) new Attributes(lookup(path));
      }
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
      throw new UnsupportedOperationException();
    }
  }
}
