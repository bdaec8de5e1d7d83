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
}
