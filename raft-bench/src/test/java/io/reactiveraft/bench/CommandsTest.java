package io.reactiveraft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI commands run end to end, shortened. */
class CommandsTest {

  private record Run(int exitCode, String out) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    int code = cli.execute(args);
    return new Run(code, out.toString());
  }

  @Test
  void demoSurvivesLeaderFailoverWithoutLosingAWrite() {
    Run run = run("demo", "--writes", "50");
    assertThat(run.exitCode()).isZero();
    assertThat(run.lastLine()).matches("DEMO OK leader=n\\d failover_ms=\\d+ writes=100 lost=0");
    // Reads after the failover, on the new leader and through a follower, see the writes of
    // both sides of it.
    assertThat(run.out()).containsPattern("read before-0 = v0 on n\\d, = v0 on n\\d");
    assertThat(run.out()).containsPattern("read after-49 = v49 on n\\d, = v49 on n\\d");
  }

  @Test
  void benchPrintsTheResultLineOfTheWorkload() {
    Run run =
        run(
            "bench",
            "--fsync",
            "off",
            "--transport",
            "local",
            "--warmup",
            "0.5",
            "--duration",
            "1",
            "--outstanding",
            "16");
    assertThat(run.exitCode()).isZero();
    assertThat(run.lastLine())
        .matches(
            "RESULT system=reactive-raft nodes=3 payload=100 outstanding=16 fsync=off"
                + " ops_per_s=[0-9.]+ p50_us=\\d+ p99_us=\\d+ p999_us=\\d+ errors=0");
    assertThat(run.out()).contains("# system=reactive-raft knobs:");
  }

  @Test
  void badFlagIsAUsageErrorWithExitCodeTwo() {
    assertThat(run("bench", "--no-such-flag").exitCode()).isEqualTo(2);
    assertThat(run("bench", "--fsync", "maybe").exitCode()).isEqualTo(2);
    // None in flight would wait forever for a permit; refused before a node starts.
    assertThat(run("bench", "--outstanding", "0").exitCode()).isEqualTo(2);
    assertThat(run("bench", "--duration", "0").exitCode()).isEqualTo(2);
  }

  /**
   * Standard input that fails part way: the lines read keep their verdicts, the error is a line on
   * standard error, not a stack trace, and the exit code is a failure's.
   */
  @Test
  void kvStdinThatCannotBeReadEndsWithAMessage() {
    java.io.InputStream failing =
        new java.io.SequenceInputStream(
            new java.io.ByteArrayInputStream("nonsense\n".getBytes()),
            new java.io.InputStream() {
              @Override
              public int read() throws java.io.IOException {
                throw new java.io.IOException("device gone");
              }
            });
    CliRun run =
        CliRun.runWithInput(
            failing,
            "kv",
            "--cluster",
            "127.0.0.1:1",
            "--secret",
            "a secret of sixteen bytes or more",
            "--stdin");

    assertThat(run.out()).startsWith("fail bad operation");
    assertThat(run.err()).contains("cannot read standard input: device gone");
    assertThat(run.err()).doesNotContain("Exception");
    assertThat(run.exitCode()).isEqualTo(1);
  }
}
