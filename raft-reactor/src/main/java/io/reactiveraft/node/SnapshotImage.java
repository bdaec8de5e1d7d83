package io.reactiveraft.node;

import io.reactiveraft.StateMachine;
import io.reactiveraft.spi.Codec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The data of a node's snapshot: a header, the client session table, then the state machine's own
 * image, which runs to the end of the data.
 *
 * <pre>
 * int magic "RRSN" | int version (1) | session table | state machine image
 * </pre>
 *
 * <p>The session table is length-prefixed; it ends with the recently expired sessions, which an
 * image written before they were kept lacks (it reads as none expired).
 */
final class SnapshotImage {

  private static final int MAGIC = 0x5252534E;
  private static final int VERSION = 1;

  private SnapshotImage() {}

  /** The session table, encoded on the apply thread when the snapshot is taken. */
  static <R> byte[] encodeSessions(SessionTable<R> sessions, Codec<R> resultCodec) {
    var bytes = new java.io.ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      sessions.writeTo(out, resultCodec);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  /** Writes the data: header, the encoded sessions, then the state machine's image. */
  static void write(OutputStream out, byte[] sessions, StateMachine.Snapshot image)
      throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(MAGIC);
    data.writeInt(VERSION);
    data.writeInt(sessions.length);
    data.write(sessions);
    data.flush();
    image.writeTo(unclosable(out));
    out.flush();
  }

  /**
   * The state machine's view of the stream: closing it, as a try-with-resources does, must not
   * close the store's stream, whose end still has to be read (or written) to check (or write) the
   * checksum.
   */
  private static InputStream unclosable(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public void close() {}
    };
  }

  private static OutputStream unclosable(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len); // FilterOutputStream would write byte by byte
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }

  /**
   * Restores sessions and state from the data, then reads the stream to its end, where the store
   * verifies the checksum: a damaged snapshot fails here even if the state machine read only part
   * of it.
   */
  static <C, R> void restore(
      InputStream in, SessionTable<R> sessions, Codec<R> resultCodec, StateMachine<C, R> machine)
      throws IOException {
    DataInputStream data = new DataInputStream(in);
    if (data.readInt() != MAGIC) {
      throw new IOException("not a snapshot of this library: bad magic");
    }
    int version = data.readInt();
    if (version != VERSION) {
      throw new IOException("unknown snapshot version " + version);
    }
    int sessionBytes = data.readInt();
    if (sessionBytes < 0) {
      throw new IOException("damaged snapshot: negative session table length");
    }
    byte[] encodedSessions = data.readNBytes(sessionBytes);
    machine.restoreSnapshot(unclosable(in));
    in.transferTo(OutputStream.nullOutputStream());
    try (DataInputStream sessionData =
        new DataInputStream(new java.io.ByteArrayInputStream(encodedSessions))) {
      sessions.readFrom(sessionData, resultCodec);
    }
  }
}
