package io.reactiveraft.bench.kv.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.InvalidCommandException;
import org.junit.jupiter.api.Test;

/** How the node's errors reach a client: "rejected" must mean the command never reached the log. */
class KvResponderTest {

  @Test
  void aCommandRefusedBeforeTheLogIsRejected() {
    KvReply reply = KvResponder.failure(new InvalidCommandException("command must not be null"));

    assertThat(reply.status()).isEqualTo(KvReply.Status.REJECTED);
  }

  @Test
  void anyOtherIllegalArgumentMayHaveBeenApplied() {
    // A state machine's apply that throws one was applied (the error is its outcome), and a
    // session refusing an old sequence says nothing of the command's first try.
    KvReply reply = KvResponder.failure(new IllegalArgumentException("value too long"));

    assertThat(reply.status()).isEqualTo(KvReply.Status.UNKNOWN);
  }
}
