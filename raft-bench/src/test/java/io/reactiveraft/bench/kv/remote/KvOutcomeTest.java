package io.reactiveraft.bench.kv.remote;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every outcome prints as exactly one line, whatever the value or reason holds. */
class KvOutcomeTest {

  @Test
  void valuesAndReasonsPrintOnOneLine() {
    assertThat(KvOutcome.ok("a\nb").line()).isEqualTo("ok a\\nb");
    assertThat(KvOutcome.ok("c:\\tmp\r").line()).isEqualTo("ok c:\\\\tmp\\r");
    assertThat(KvOutcome.fail("refused:\nbad token").line()).isEqualTo("fail refused:\\nbad token");
    assertThat(KvOutcome.info("timed out").line()).isEqualTo("info timed out");
  }

  @Test
  void anEmptyValueIsToldApartFromAMissingKey() {
    assertThat(KvOutcome.ok(null).line()).isEqualTo("ok");
    assertThat(KvOutcome.ok("").line()).isEqualTo("ok \"\"");
    assertThat(KvOutcome.ok("\"\"").line()).isEqualTo("ok \\\"\\\"");
    assertThat(KvOutcome.fail("expected \"x\"").line()).isEqualTo("fail expected \"x\"");
  }
}
