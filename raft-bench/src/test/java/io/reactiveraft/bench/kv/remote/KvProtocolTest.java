package io.reactiveraft.bench.kv.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.reactiveraft.bench.kv.KvCommand;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client protocol's frames and the kv command's operation syntax. */
class KvProtocolTest {

  @Test
  void requestsRoundTrip() {
    for (KvRequest r :
        List.of(
            new KvRequest(KvCommand.put("k", "välue"), "c-1", 7, 1500),
            new KvRequest(KvCommand.get("k"), null, 0, 10),
            new KvRequest(KvCommand.delete(""), "c", 1, 1),
            new KvRequest(KvCommand.cas("k", "old", "new"), "c", Long.MAX_VALUE, 60_000))) {
      assertThat(KvRequest.decode(Unpooled.wrappedBuffer(r.encode()))).isEqualTo(r);
    }
  }

  @Test
  void repliesRoundTrip() {
    for (KvReply r :
        List.of(
            KvReply.of(KvReply.Status.OK, null),
            KvReply.of(KvReply.Status.CAS_MISMATCH, "v"),
            new KvReply(KvReply.Status.NOT_LEADER, "not leader", "n2", "127.0.0.1:7002"),
            KvReply.of(KvReply.Status.SESSION_EXPIRED, "gone"))) {
      assertThat(KvReply.decode(Unpooled.wrappedBuffer(r.encode()))).isEqualTo(r);
    }
  }

  @Test
  void malformedRequestsAreRefusedWithAReason() {
    byte[] frame = new KvRequest(KvCommand.put("k", "v"), "c", 1, 100).encode();
    for (int length = 0; length < frame.length; length++) {
      byte[] truncated = Arrays.copyOf(frame, length);
      assertThatThrownBy(() -> KvRequest.decode(Unpooled.wrappedBuffer(truncated)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] badVersion = frame.clone();
    badVersion[0] = 9;
    assertThatThrownBy(() -> KvRequest.decode(Unpooled.wrappedBuffer(badVersion)))
        .hasMessageContaining("version 9");
    byte[] hugeLength = frame.clone();
    // The client id's length field follows version, op and timeout.
    hugeLength[6] = 0x7f;
    assertThatThrownBy(() -> KvRequest.decode(Unpooled.wrappedBuffer(hugeLength)))
        .hasMessageContaining("bad length");
    byte[] noSession = new KvRequest(KvCommand.put("k", "v"), null, 0, 100).encode();
    assertThatThrownBy(() -> KvRequest.decode(Unpooled.wrappedBuffer(noSession)))
        .hasMessageContaining("client id");
  }

  @Test
  void operationsParseFromArgumentsAndLines() {
    assertThat(KvOperation.parse(List.of("PUT", "k", "v"))).isEqualTo(KvCommand.put("k", "v"));
    assertThat(KvOperation.parse(List.of("cas", "k", "a", "b")))
        .isEqualTo(KvCommand.cas("k", "a", "b"));
    assertThat(KvOperation.parseLine("  put k  two words "))
        .isEqualTo(KvCommand.put("k", "two words"));
    assertThat(KvOperation.parseLine("delete k")).isEqualTo(KvCommand.delete("k"));
    assertThatThrownBy(() -> KvOperation.parse(List.of("get"))).hasMessage("usage: get KEY");
    assertThatThrownBy(() -> KvOperation.parseLine("get a b")).hasMessage("usage: get KEY");
    assertThatThrownBy(() -> KvOperation.parse(List.of())).hasMessageContaining("no operation");
  }

  @Test
  void quotedWordsOnALineHoldSpacesAndQuotes() {
    // Unquoted, the new value is the rest of the line; the expected value is one word.
    assertThat(KvOperation.parseLine("cas s hello world x"))
        .isEqualTo(KvCommand.cas("s", "hello", "world x"));
    assertThat(KvOperation.parseLine("cas s \"hello world\" x"))
        .isEqualTo(KvCommand.cas("s", "hello world", "x"));
    assertThat(KvOperation.parseLine("cas \"a key\" \"\" \"  padded  \""))
        .isEqualTo(KvCommand.cas("a key", "", "  padded  "));
    assertThat(KvOperation.parseLine("put k \"say \\\"hi\\\" \\\\ bye\""))
        .isEqualTo(KvCommand.put("k", "say \"hi\" \\ bye"));
    assertThat(KvOperation.parseLine("get \"a key\"")).isEqualTo(KvCommand.get("a key"));
    assertThatThrownBy(() -> KvOperation.parseLine("put k \"open"))
        .hasMessageContaining("not closed");
    assertThatThrownBy(() -> KvOperation.parseLine("put k \"v\" extra"))
        .hasMessage("usage: put KEY VALUE");
    assertThatThrownBy(() -> KvOperation.parseLine("cas s \"a\"b c"))
        .hasMessageContaining("right after a closing quote");
  }

  @Test
  void outcomesPrintTheirLine() {
    assertThat(KvOutcome.ok(null).line()).isEqualTo("ok");
    assertThat(KvOutcome.ok("v").line()).isEqualTo("ok v");
    assertThat(KvOutcome.fail("why").line()).isEqualTo("fail why");
    assertThat(KvOutcome.info("unknown").kind().exitCode()).isEqualTo(3);
  }
}
