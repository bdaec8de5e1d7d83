package io.reactiveraft.transport.rsocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The binary encoding of Raft messages, one message per RSocket payload (data only, no metadata).
 *
 * <p>Layout, version 2. {@code varint} is unsigned LEB128, {@code zigzag} a signed varint, {@code
 * string} a varint length and that many UTF-8 bytes (at most 1024):
 *
 * <pre>
 * u8 version (2) | u8 kind | string group | string from | string to | varint term | body
 *
 * kind 1 VoteRequest           varint lastLogIndex | varint lastLogTerm
 *                              | u8 flags (1 = preVote, 2 = transfer)
 * kind 2 VoteResponse          u8 flags (1 = granted, 2 = preVote)
 * kind 3 AppendEntriesRequest  varint prevLogIndex | varint prevLogTerm | varint leaderCommit
 *                              | varint sequence | varint count | count x entry
 *        entry                 zigzag (index - expected) | varint term | u8 type
 *                              | varint length | payload bytes
 * kind 4 AppendEntriesResponse u8 flags (1 = success) | varint matchIndex | varint conflictTerm
 *                              | varint conflictIndex | varint sequence
 * kind 5 TimeoutNow            (no body)
 * kind 6 ReadIndexRequest      varint requestId
 * kind 7 ReadIndexResponse     varint requestId | varint readIndex | u8 flags (1 = ok)
 * kind 8 ForwardedCommand      varint requestId | u8 entry type | varint length | payload
 * kind 9 ForwardedResponse     varint requestId | varint index | varint entryTerm
 *                              | u8 flags (1 = accepted)
 * kind 10 InstallSnapshot      varint snapshotIndex | varint snapshotTerm | varint snapshotSize
 *                              | configuration | u32 checksum | varint offset | varint length
 *                              | data bytes
 *        configuration         varint voterCount | voterCount x member
 *                              | varint learnerCount | learnerCount x member
 *        member                string id | string address
 * kind 11 InstallSnapshotResp  varint snapshotIndex | varint nextOffset | u8 flags (1 = success)
 * </pre>
 *
 * <p>An entry's index travels as its distance from the index that would follow the previous entry
 * (prevLogIndex + 1 for the first), which is 0, one byte, for every entry of a well-formed batch; a
 * batch with gaps, repeats or terms out of order is refused as {@link AppendEntriesRequest} refuses
 * it. Entry types are 1 command, 2 no-op, 3 configuration, 4 session command. A snapshot chunk must
 * lie within the snapshot's size, its configuration must be one {@link ClusterConfiguration}
 * accepts (at least one voter, no id twice), and every member id and address one {@link Member}
 * accepts. Unknown versions, kinds, flag bits and entry types, trailing bytes, negative values,
 * varints longer than needed, invalid UTF-8 and lengths beyond the frame are all rejected: the
 * decoder accepts exactly what the encoder writes, so a frame it accepts re-encodes to the same
 * bytes.
 *
 * <p>Stateless and thread-safe. The codec never retains or releases the buffers it is given.
 */
public final class RaftFrameCodec {

  /** The wire format version this codec writes and reads. */
  public static final int VERSION = 2;

  /** The Raft group a transport serves unless told otherwise. */
  public static final String DEFAULT_GROUP = "default";

  static final int KIND_VOTE_REQUEST = 1;
  static final int KIND_VOTE_RESPONSE = 2;
  static final int KIND_APPEND_REQUEST = 3;
  static final int KIND_APPEND_RESPONSE = 4;
  static final int KIND_TIMEOUT_NOW = 5;
  static final int KIND_READ_INDEX_REQUEST = 6;
  static final int KIND_READ_INDEX_RESPONSE = 7;
  static final int KIND_FORWARDED_COMMAND = 8;
  static final int KIND_FORWARDED_RESPONSE = 9;
  static final int KIND_INSTALL_SNAPSHOT_REQUEST = 10;
  static final int KIND_INSTALL_SNAPSHOT_RESPONSE = 11;

  /**
   * Entry type wire codes: the index of the type's name here. Append-only, and pinned by name
   * rather than by ordinal, so that reordering the enum never changes what a code means. A name
   * this version of the API does not have is skipped.
   */
  private static final List<String> ENTRY_TYPE_CODES =
      List.of("", "COMMAND", "NOOP", "CONFIGURATION", "SESSION_COMMAND");

  private static final Map<EntryType, Integer> CODE_OF_TYPE = new EnumMap<>(EntryType.class);
  private static final EntryType[] TYPE_OF_CODE = new EntryType[ENTRY_TYPE_CODES.size()];

  static {
    for (int code = 1; code < ENTRY_TYPE_CODES.size(); code++) {
      for (EntryType type : EntryType.values()) {
        if (type.name().equals(ENTRY_TYPE_CODES.get(code))) {
          CODE_OF_TYPE.put(type, code);
          TYPE_OF_CODE[code] = type;
        }
      }
    }
  }

  /** The fewest bytes an entry can take: delta, term, type and length of one byte each. */
  private static final int MIN_ENTRY_BYTES = 4;

  /** The fewest bytes a member can take: id and address of one byte each, with their lengths. */
  private static final int MIN_MEMBER_BYTES = 4;

  private RaftFrameCodec() {}

  /**
   * Encodes a message into a new buffer of exactly its size; the caller owns the buffer.
   *
   * @param allocator where the buffer comes from
   * @param group the Raft group the message belongs to
   * @param message the message
   * @return a buffer holding the frame, with its reader index at the start
   * @throws IllegalArgumentException when a field cannot be encoded (a negative term or index, an
   *     id over 1024 UTF-8 bytes or not valid Unicode)
   */
  public static ByteBuf encode(ByteBufAllocator allocator, String group, RaftMessage message) {
    return encode(allocator, group, message, Integer.MAX_VALUE);
  }

  /**
   * As {@link #encode(ByteBufAllocator, String, RaftMessage)}, refusing before it allocates a frame
   * larger than {@code maxFrameSize}.
   *
   * @throws FrameTooLargeException when the frame would exceed {@code maxFrameSize} bytes
   */
  public static ByteBuf encode(
      ByteBufAllocator allocator, String group, RaftMessage message, int maxFrameSize) {
    byte[] groupBytes = Wire.utf8(group, "group");
    byte[] from = Wire.utf8(message.from(), "from");
    byte[] to = Wire.utf8(message.to(), "to");
    long size =
        2L
            + Wire.stringSize(groupBytes)
            + Wire.stringSize(from)
            + Wire.stringSize(to)
            + Wire.varLongSize(nonNegative(message.term(), "term"))
            + bodySize(message);
    if (size > maxFrameSize) {
      throw new FrameTooLargeException(message, size, maxFrameSize);
    }
    ByteBuf out = allocator.buffer((int) size, (int) size);
    try {
      out.writeByte(VERSION);
      out.writeByte(kindOf(message));
      Wire.writeString(out, groupBytes);
      Wire.writeString(out, from);
      Wire.writeString(out, to);
      Wire.writeVarLong(out, message.term());
      writeBody(out, message);
      return out;
    } catch (RuntimeException e) {
      // A field the sizes passed but the wire cannot carry: the pooled buffer goes back at once.
      out.release();
      throw e;
    }
  }

  /**
   * Decodes one frame: every readable byte of {@code frame} must belong to the message. Advances
   * the reader index; does not release the buffer.
   *
   * @throws MalformedFrameException when the bytes are not exactly one valid message
   */
  public static DecodedFrame decode(ByteBuf frame) {
    if (!frame.isReadable()) {
      throw new MalformedFrameException("empty frame");
    }
    int version = frame.readUnsignedByte();
    if (version != VERSION) {
      throw new MalformedFrameException("unknown frame version " + version);
    }
    if (!frame.isReadable()) {
      throw Wire.truncated("kind");
    }
    int kind = frame.readUnsignedByte();
    if (kind < KIND_VOTE_REQUEST || kind > KIND_INSTALL_SNAPSHOT_RESPONSE) {
      throw new MalformedFrameException("unknown message kind " + kind);
    }
    String group = Wire.readString(frame, "group");
    String from = Wire.readString(frame, "from");
    String to = Wire.readString(frame, "to");
    long term = Wire.readNonNegative(frame, "term");
    RaftMessage message;
    try {
      message = readBody(frame, kind, from, to, term);
    } catch (IllegalArgumentException e) {
      // A record constructor refused a value: an entry index or term below 1, a snapshot index or
      // term below 1, a member id or address it does not allow, a configuration without voters or
      // with an id twice.
      throw new MalformedFrameException("invalid field: " + e.getMessage(), e);
    }
    if (frame.isReadable()) {
      throw new MalformedFrameException(frame.readableBytes() + " bytes after the message");
    }
    return new DecodedFrame(group, message);
  }

  private static int kindOf(RaftMessage m) {
    if (m instanceof VoteRequest) {
      return KIND_VOTE_REQUEST;
    } else if (m instanceof VoteResponse) {
      return KIND_VOTE_RESPONSE;
    } else if (m instanceof AppendEntriesRequest) {
      return KIND_APPEND_REQUEST;
    } else if (m instanceof TimeoutNow) {
      return KIND_TIMEOUT_NOW;
    } else if (m instanceof ReadIndexRequest) {
      return KIND_READ_INDEX_REQUEST;
    } else if (m instanceof ReadIndexResponse) {
      return KIND_READ_INDEX_RESPONSE;
    } else if (m instanceof ForwardedCommand) {
      return KIND_FORWARDED_COMMAND;
    } else if (m instanceof ForwardedCommandResponse) {
      return KIND_FORWARDED_RESPONSE;
    } else if (m instanceof InstallSnapshotRequest) {
      return KIND_INSTALL_SNAPSHOT_REQUEST;
    } else if (m instanceof InstallSnapshotResponse) {
      return KIND_INSTALL_SNAPSHOT_RESPONSE;
    } else {
      return KIND_APPEND_RESPONSE;
    }
  }

  private static long bodySize(RaftMessage m) {
    if (m instanceof VoteRequest r) {
      return Wire.varLongSize(nonNegative(r.lastLogIndex(), "lastLogIndex"))
          + Wire.varLongSize(nonNegative(r.lastLogTerm(), "lastLogTerm"))
          + 1;
    } else if (m instanceof VoteResponse) {
      return 1;
    } else if (m instanceof TimeoutNow) {
      return 0;
    } else if (m instanceof ReadIndexRequest r) {
      return Wire.varLongSize(nonNegative(r.requestId(), "requestId"));
    } else if (m instanceof ReadIndexResponse r) {
      return Wire.varLongSize(nonNegative(r.requestId(), "requestId"))
          + Wire.varLongSize(nonNegative(r.readIndex(), "readIndex"))
          + 1;
    } else if (m instanceof ForwardedCommand f) {
      return Wire.varLongSize(nonNegative(f.requestId(), "requestId"))
          + 1
          + Wire.varLongSize(f.payload().length)
          + f.payload().length;
    } else if (m instanceof ForwardedCommandResponse f) {
      return Wire.varLongSize(nonNegative(f.requestId(), "requestId"))
          + Wire.varLongSize(nonNegative(f.index(), "index"))
          + Wire.varLongSize(nonNegative(f.entryTerm(), "entryTerm"))
          + 1;
    } else if (m instanceof InstallSnapshotRequest r) {
      SnapshotMeta meta = r.snapshot();
      int length = r.data().length;
      if (r.offset() > meta.size() - length) {
        // The record's own check can overflow; the decoder refuses such a chunk, so do not send it.
        throw new IllegalArgumentException(
            "chunk at offset " + r.offset() + " outside a snapshot of " + meta.size() + " bytes");
      }
      return Wire.varLongSize(meta.index())
          + Wire.varLongSize(meta.term())
          + Wire.varLongSize(meta.size())
          + configurationSize(meta.configuration())
          + 4
          + Wire.varLongSize(r.offset())
          + Wire.varLongSize(length)
          + length;
    } else if (m instanceof InstallSnapshotResponse r) {
      return Wire.varLongSize(nonNegative(r.snapshotIndex(), "snapshotIndex"))
          + Wire.varLongSize(nonNegative(r.nextOffset(), "nextOffset"))
          + 1;
    } else if (m instanceof AppendEntriesRequest r) {
      long size =
          Wire.varLongSize(nonNegative(r.prevLogIndex(), "prevLogIndex"))
              + Wire.varLongSize(nonNegative(r.prevLogTerm(), "prevLogTerm"))
              + Wire.varLongSize(nonNegative(r.leaderCommit(), "leaderCommit"))
              + Wire.varLongSize(nonNegative(r.sequence(), "sequence"))
              + Wire.varLongSize(r.entries().size());
      long expected = r.prevLogIndex() + 1;
      for (LogEntry e : r.entries()) {
        int length = e.payload().length;
        size +=
            Wire.varLongSize(Wire.zigZag(e.index() - expected))
                + Wire.varLongSize(e.term())
                + 1
                + Wire.varLongSize(length)
                + length;
        expected = e.index() + 1;
      }
      return size;
    } else {
      AppendEntriesResponse r = (AppendEntriesResponse) m;
      return 1
          + Wire.varLongSize(nonNegative(r.matchIndex(), "matchIndex"))
          + Wire.varLongSize(nonNegative(r.conflictTerm(), "conflictTerm"))
          + Wire.varLongSize(nonNegative(r.conflictIndex(), "conflictIndex"))
          + Wire.varLongSize(nonNegative(r.sequence(), "sequence"));
    }
  }

  private static void writeBody(ByteBuf out, RaftMessage m) {
    if (m instanceof VoteRequest r) {
      Wire.writeVarLong(out, r.lastLogIndex());
      Wire.writeVarLong(out, r.lastLogTerm());
      out.writeByte((r.preVote() ? 1 : 0) | (r.transfer() ? 2 : 0));
    } else if (m instanceof VoteResponse r) {
      out.writeByte((r.granted() ? 1 : 0) | (r.preVote() ? 2 : 0));
    } else if (m instanceof AppendEntriesRequest r) {
      Wire.writeVarLong(out, r.prevLogIndex());
      Wire.writeVarLong(out, r.prevLogTerm());
      Wire.writeVarLong(out, r.leaderCommit());
      Wire.writeVarLong(out, r.sequence());
      Wire.writeVarLong(out, r.entries().size());
      long expected = r.prevLogIndex() + 1;
      for (LogEntry e : r.entries()) {
        Wire.writeVarLong(out, Wire.zigZag(e.index() - expected));
        Wire.writeVarLong(out, e.term());
        out.writeByte(typeCode(e.type()));
        Wire.writeVarLong(out, e.payload().length);
        out.writeBytes(e.payload());
        expected = e.index() + 1;
      }
    } else if (m instanceof ReadIndexRequest r) {
      Wire.writeVarLong(out, r.requestId());
    } else if (m instanceof ReadIndexResponse r) {
      Wire.writeVarLong(out, r.requestId());
      Wire.writeVarLong(out, r.readIndex());
      out.writeByte(r.ok() ? 1 : 0);
    } else if (m instanceof ForwardedCommand f) {
      Wire.writeVarLong(out, f.requestId());
      out.writeByte(typeCode(f.type()));
      Wire.writeVarLong(out, f.payload().length);
      out.writeBytes(f.payload());
    } else if (m instanceof ForwardedCommandResponse f) {
      Wire.writeVarLong(out, f.requestId());
      Wire.writeVarLong(out, f.index());
      Wire.writeVarLong(out, f.entryTerm());
      out.writeByte(f.accepted() ? 1 : 0);
    } else if (m instanceof InstallSnapshotRequest r) {
      SnapshotMeta meta = r.snapshot();
      Wire.writeVarLong(out, meta.index());
      Wire.writeVarLong(out, meta.term());
      Wire.writeVarLong(out, meta.size());
      writeConfiguration(out, meta.configuration());
      out.writeInt(r.checksum());
      Wire.writeVarLong(out, r.offset());
      Wire.writeVarLong(out, r.data().length);
      out.writeBytes(r.data());
    } else if (m instanceof InstallSnapshotResponse r) {
      Wire.writeVarLong(out, r.snapshotIndex());
      Wire.writeVarLong(out, r.nextOffset());
      out.writeByte(r.success() ? 1 : 0);
    } else if (m instanceof AppendEntriesResponse r) {
      out.writeByte(r.success() ? 1 : 0);
      Wire.writeVarLong(out, r.matchIndex());
      Wire.writeVarLong(out, r.conflictTerm());
      Wire.writeVarLong(out, r.conflictIndex());
      Wire.writeVarLong(out, r.sequence());
    }
  }

  private static RaftMessage readBody(ByteBuf in, int kind, String from, String to, long term) {
    switch (kind) {
      case KIND_VOTE_REQUEST:
        {
          long lastLogIndex = Wire.readNonNegative(in, "lastLogIndex");
          long lastLogTerm = Wire.readNonNegative(in, "lastLogTerm");
          int flags = readFlags(in, 0b11);
          return new VoteRequest(
              from, to, term, lastLogIndex, lastLogTerm, (flags & 1) != 0, (flags & 2) != 0);
        }
      case KIND_VOTE_RESPONSE:
        {
          int flags = readFlags(in, 0b11);
          return new VoteResponse(from, to, term, (flags & 1) != 0, (flags & 2) != 0);
        }
      case KIND_APPEND_REQUEST:
        return readAppendRequest(in, from, to, term);
      case KIND_TIMEOUT_NOW:
        return new TimeoutNow(from, to, term);
      case KIND_READ_INDEX_REQUEST:
        return new ReadIndexRequest(from, to, term, Wire.readNonNegative(in, "requestId"));
      case KIND_READ_INDEX_RESPONSE:
        {
          long requestId = Wire.readNonNegative(in, "requestId");
          long readIndex = Wire.readNonNegative(in, "readIndex");
          int flags = readFlags(in, 0b1);
          return new ReadIndexResponse(from, to, term, requestId, readIndex, flags == 1);
        }
      case KIND_FORWARDED_COMMAND:
        {
          long requestId = Wire.readNonNegative(in, "requestId");
          if (!in.isReadable()) {
            throw Wire.truncated("entry type");
          }
          EntryType type = entryType(in.readUnsignedByte());
          byte[] payload = new byte[Wire.readLength(in, "payload", Integer.MAX_VALUE)];
          in.readBytes(payload);
          return new ForwardedCommand(from, to, term, requestId, type, payload);
        }
      case KIND_FORWARDED_RESPONSE:
        {
          long requestId = Wire.readNonNegative(in, "requestId");
          long index = Wire.readNonNegative(in, "index");
          long entryTerm = Wire.readNonNegative(in, "entryTerm");
          int flags = readFlags(in, 0b1);
          return new ForwardedCommandResponse(
              from, to, term, requestId, index, entryTerm, flags == 1);
        }
      case KIND_INSTALL_SNAPSHOT_REQUEST:
        return readInstallSnapshot(in, from, to, term);
      case KIND_INSTALL_SNAPSHOT_RESPONSE:
        {
          long snapshotIndex = Wire.readNonNegative(in, "snapshotIndex");
          long nextOffset = Wire.readNonNegative(in, "nextOffset");
          int flags = readFlags(in, 0b1);
          return new InstallSnapshotResponse(from, to, term, snapshotIndex, nextOffset, flags == 1);
        }
      default:
        {
          int flags = readFlags(in, 0b1);
          long matchIndex = Wire.readNonNegative(in, "matchIndex");
          long conflictTerm = Wire.readNonNegative(in, "conflictTerm");
          long conflictIndex = Wire.readNonNegative(in, "conflictIndex");
          long sequence = Wire.readNonNegative(in, "sequence");
          return new AppendEntriesResponse(
              from, to, term, flags == 1, matchIndex, conflictTerm, conflictIndex, sequence);
        }
    }
  }

  /** The payload of every empty entry (no-ops): entries never change their payload. */
  private static final byte[] NO_BYTES = new byte[0];

  private static AppendEntriesRequest readAppendRequest(
      ByteBuf in, String from, String to, long term) {
    long prevLogIndex = Wire.readNonNegative(in, "prevLogIndex");
    long prevLogTerm = Wire.readNonNegative(in, "prevLogTerm");
    long leaderCommit = Wire.readNonNegative(in, "leaderCommit");
    long sequence = Wire.readNonNegative(in, "sequence");
    // The count is bounded by the bytes present, so a forged count cannot make us allocate.
    int count = Wire.readLength(in, "entry count", in.readableBytes() / MIN_ENTRY_BYTES);
    List<LogEntry> entries = new ArrayList<>(count);
    long expected = prevLogIndex + 1;
    for (int i = 0; i < count; i++) {
      long delta = Wire.unZigZag(Wire.readVarLong(in, "entry index"));
      if (delta != 0) {
        // One leader's batch is contiguous: refused here, before more entries are built, rather
        // than by wellFormed() below once the whole frame is decoded.
        throw new MalformedFrameException("entry " + i + " leaves a gap or repeats an index");
      }
      long index = expected;
      long entryTerm = Wire.readNonNegative(in, "entry term");
      if (!in.isReadable()) {
        throw Wire.truncated("entry type");
      }
      EntryType type = entryType(in.readUnsignedByte());
      int length = Wire.readLength(in, "entry payload", Integer.MAX_VALUE);
      byte[] payload = length == 0 ? NO_BYTES : new byte[length];
      // The one copy of an entry's bytes: from the network buffer into the entry's array.
      in.readBytes(payload);
      entries.add(new LogEntry(index, entryTerm, type, payload));
      expected = index + 1;
    }
    AppendEntriesRequest request =
        new AppendEntriesRequest(
            from, to, term, prevLogIndex, prevLogTerm, entries, leaderCommit, sequence);
    if (!request.wellFormed()) {
      throw new MalformedFrameException(
          "entries one leader's log cannot hold (a gap, a repeat or a term out of order)");
    }
    return request;
  }

  private static InstallSnapshotRequest readInstallSnapshot(
      ByteBuf in, String from, String to, long term) {
    long index = Wire.readNonNegative(in, "snapshot index");
    long snapshotTerm = Wire.readNonNegative(in, "snapshot term");
    long size = Wire.readNonNegative(in, "snapshot size");
    ClusterConfiguration configuration = readConfiguration(in);
    if (in.readableBytes() < 4) {
      throw Wire.truncated("snapshot checksum");
    }
    int checksum = in.readInt();
    long offset = Wire.readNonNegative(in, "chunk offset");
    // Bounded by the bytes present, so that a forged length cannot make us allocate.
    int length = Wire.readLength(in, "chunk data", Integer.MAX_VALUE);
    if (offset > size - length) {
      // Checked here rather than left to the record, whose offset + length could overflow.
      throw new MalformedFrameException(
          "chunk at offset "
              + offset
              + " of "
              + length
              + " bytes outside a snapshot of "
              + size
              + " bytes");
    }
    byte[] data = new byte[length];
    // The one copy of a chunk's bytes, as for entry payloads: the network buffer is released
    // once the frame is decoded, and the request's array is shared from here on.
    in.readBytes(data);
    return new InstallSnapshotRequest(
        from,
        to,
        term,
        new SnapshotMeta(index, snapshotTerm, configuration, size),
        checksum,
        offset,
        data);
  }

  private static int configurationSize(ClusterConfiguration c) {
    return membersSize(c.voters()) + membersSize(c.learners());
  }

  private static int membersSize(List<Member> members) {
    int size = Wire.varLongSize(members.size());
    for (Member m : members) {
      size +=
          Wire.stringSize(Wire.utf8(m.id(), "member id"))
              + Wire.stringSize(Wire.utf8(m.address(), "member address"));
    }
    return size;
  }

  private static void writeConfiguration(ByteBuf out, ClusterConfiguration c) {
    writeMembers(out, c.voters());
    writeMembers(out, c.learners());
  }

  private static void writeMembers(ByteBuf out, List<Member> members) {
    Wire.writeVarLong(out, members.size());
    for (Member m : members) {
      Wire.writeString(out, Wire.utf8(m.id(), "member id"));
      Wire.writeString(out, Wire.utf8(m.address(), "member address"));
    }
  }

  private static ClusterConfiguration readConfiguration(ByteBuf in) {
    List<Member> voters = readMembers(in, "voter");
    List<Member> learners = readMembers(in, "learner");
    return new ClusterConfiguration(voters, learners);
  }

  private static List<Member> readMembers(ByteBuf in, String role) {
    // The count is bounded by the bytes present, so a forged count cannot make us allocate.
    int count = Wire.readLength(in, role + " count", in.readableBytes() / MIN_MEMBER_BYTES);
    List<Member> members = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String id = Wire.readString(in, role + " id");
      String address = Wire.readString(in, role + " address");
      members.add(new Member(id, address));
    }
    return members;
  }

  private static int readFlags(ByteBuf in, int allowed) {
    if (!in.isReadable()) {
      throw Wire.truncated("flags");
    }
    int flags = in.readUnsignedByte();
    if ((flags & ~allowed) != 0) {
      throw new MalformedFrameException("unknown flag bits " + Integer.toBinaryString(flags));
    }
    return flags;
  }

  private static int typeCode(EntryType type) {
    Integer code = CODE_OF_TYPE.get(type);
    if (code == null) {
      throw new IllegalArgumentException("no wire code for entry type " + type);
    }
    return code;
  }

  private static EntryType entryType(int code) {
    EntryType type = code < TYPE_OF_CODE.length ? TYPE_OF_CODE[code] : null;
    if (type == null) {
      throw new MalformedFrameException("unknown entry type " + code);
    }
    return type;
  }

  /** Whether every entry type of this API version has a wire code. */
  static boolean everyEntryTypeHasACode() {
    return CODE_OF_TYPE.size() == EntryType.values().length;
  }

  private static long nonNegative(long value, String field) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must not be negative: " + value);
    }
    return value;
  }
}
