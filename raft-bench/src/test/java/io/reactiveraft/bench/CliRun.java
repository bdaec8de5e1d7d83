package io.reactiveraft.bench;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the CLI in this JVM, as {@code main} would, and keeps what it printed. */
record CliRun(int exitCode, String out, String err) {

  static CliRun run(String... args) {
    return runWithInput("", args);
  }

  /** Runs with {@code input} as standard input of the kv command. */
  static CliRun runWithInput(String input, String... args) {
    return runWithInput(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), args);
  }

  /** Runs with {@code input} as standard input of the kv command. */
  static CliRun runWithInput(InputStream input, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    KvClientCommand kv = cli.getSubcommands().get("kv").getCommand();
    kv.input = input;
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** The last line printed on standard output. */
  String lastLine() {
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }
}
