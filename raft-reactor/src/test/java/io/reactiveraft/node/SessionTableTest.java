package io.reactiveraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.SessionExpiredException;
import org.junit.jupiter.api.Test;

class SessionTableTest {

  private final SessionTable<String> table = new SessionTable<>(1000);

  private static SessionCommand cmd(String client, long seq, long millis) {
    return new SessionCommand(client, seq, millis, new byte[0]);
  }

  private SessionTable.Outcome<String> applyOnce(SessionCommand c, String result) {
    SessionTable.Outcome<String> o = table.admit(c);
    if (o instanceof SessionTable.Outcome.Apply<String>) {
      table.record(c, new SessionTable.Applied<>(result, null));
    }
    return o;
  }

  @Test
  void firstCommandOpensTheSessionAndAResendGetsTheFirstResult() {
    assertThat(applyOnce(cmd("c", 1, 0), "r1")).isInstanceOf(SessionTable.Outcome.Apply.class);
    assertThat(applyOnce(cmd("c", 1, 10), "other"))
        .isEqualTo(new SessionTable.Outcome.Duplicate<>("r1"));
    assertThat(applyOnce(cmd("c", 2, 20), "r2")).isInstanceOf(SessionTable.Outcome.Apply.class);
  }

  @Test
  void olderSequenceIsRefused() {
    applyOnce(cmd("c", 1, 0), "r1");
    applyOnce(cmd("c", 2, 0), "r2");
    assertThat(table.admit(cmd("c", 1, 0)))
        .isInstanceOfSatisfying(
            SessionTable.Outcome.Refused.class,
            r -> assertThat(r.error()).isInstanceOf(IllegalArgumentException.class));
  }

  @Test
  void unknownSessionPastItsFirstCommandIsExpired() {
    assertThat(table.admit(cmd("ghost", 5, 0)))
        .isInstanceOfSatisfying(
            SessionTable.Outcome.Refused.class,
            r -> assertThat(r.error()).isInstanceOf(SessionExpiredException.class));
  }

  @Test
  void sessionsExpireInLogTimeNotWallTime() {
    applyOnce(cmd("idle", 1, 0), "r");
    applyOnce(cmd("busy", 1, 0), "r");
    applyOnce(cmd("busy", 2, 900), "r");
    assertThat(table.size()).isEqualTo(2);
    applyOnce(cmd("busy", 3, 1500), "r"); // log time passes idle's last activity + timeout
    assertThat(table.size()).isEqualTo(1);
    assertThat(table.admit(cmd("idle", 2, 1500))).isInstanceOf(SessionTable.Outcome.Refused.class);
  }

  @Test
  void aFirstCommandResentAfterItsSessionExpiredIsNotAppliedAgain() {
    applyOnce(cmd("slow", 1, 0), "r"); // applied; its caller never heard
    applyOnce(cmd("other", 1, 1500), "r"); // log time passes slow's expiry
    assertThat(table.size()).isEqualTo(1);
    assertThat(table.admit(cmd("slow", 1, 1600)))
        .isInstanceOfSatisfying(
            SessionTable.Outcome.Refused.class,
            r -> assertThat(r.error()).isInstanceOf(SessionExpiredException.class));
    // A timeout after it expired, the session is forgotten too.
    applyOnce(cmd("other", 2, 2200), "r");
    assertThat(table.expiredSize()).isEqualTo(1);
    applyOnce(cmd("other", 3, 2700), "r");
    assertThat(table.expiredSize()).isZero();
  }

  @Test
  void expiredSessionsSurviveASnapshotAndAnOlderImageReadsWithoutThem() throws Exception {
    applyOnce(cmd("slow", 1, 0), "r");
    applyOnce(cmd("other", 1, 1500), "r");
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    table.writeTo(new java.io.DataOutputStream(bytes), null);
    SessionTable<String> restored = new SessionTable<>(1000);
    restored.readFrom(
        new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())), null);
    assertThat(restored.expiredSize()).isEqualTo(1);
    assertThat(restored.admit(cmd("slow", 1, 1600)))
        .isInstanceOf(SessionTable.Outcome.Refused.class);

    byte[] withoutExpired = java.util.Arrays.copyOf(bytes.toByteArray(), bytes.size() - 4 - 14);
    SessionTable<String> older = new SessionTable<>(1000);
    older.readFrom(
        new java.io.DataInputStream(new java.io.ByteArrayInputStream(withoutExpired)), null);
    assertThat(older.size()).isEqualTo(1);
    assertThat(older.expiredSize()).isZero();
  }

  @Test
  void aFailedApplyIsRememberedAsFailed() {
    SessionCommand c = cmd("c", 1, 0);
    table.admit(c);
    IllegalStateException boom = new IllegalStateException("boom");
    table.record(c, new SessionTable.Applied<>(null, boom));
    assertThat(table.admit(c)).isEqualTo(new SessionTable.Outcome.Refused<>(boom));
  }

  @Test
  void sessionCommandRoundTrips() {
    SessionCommand c = new SessionCommand("client-ü", 42, 1234, new byte[] {1, 2, 3});
    SessionCommand back = SessionCommand.decode(c.encode());
    assertThat(back.clientId()).isEqualTo("client-ü");
    assertThat(back.sequence()).isEqualTo(42);
    assertThat(back.leaderMillis()).isEqualTo(1234);
    assertThat(back.command()).containsExactly(1, 2, 3);
  }

  @Test
  void aFailureMessageOfAnyLengthDoesNotStopSnapshots() throws Exception {
    SessionCommand c = cmd("c", 1, 0);
    table.admit(c);
    String huge = "x".repeat(100_000);
    table.record(c, new SessionTable.Applied<>(null, new IllegalStateException(huge)));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    table.writeTo(new java.io.DataOutputStream(bytes), null);

    SessionTable<String> restored = new SessionTable<>(1000);
    restored.readFrom(
        new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())), null);
    assertThat(restored.admit(cmd("c", 1, 0)))
        .isInstanceOfSatisfying(
            SessionTable.Outcome.Refused.class,
            r ->
                assertThat(r.error().getMessage())
                    .startsWith("the command failed when applied: xxx")
                    .endsWith(" [cut]")
                    .hasSizeLessThan(SessionTable.MAX_KEPT_MESSAGE_CHARS + 100));
  }
}
