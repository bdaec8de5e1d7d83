package io.reactiveraft.bench;

import io.reactiveraft.bench.kv.KvCommand;
import io.reactiveraft.bench.kv.remote.KvOutcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code kv --stdin} in a process of its own, started through a launcher (say, inside a network
 * namespace): one operation written per line, one verdict read back per line.
 */
final class KvProcess implements AutoCloseable {

  private final Process process;
  private final Writer in;
  private final BufferedReader out;

  KvProcess(List<String> launcher, List<String> addresses, Duration timeout, Path errors)
      throws IOException {
    List<String> command = new ArrayList<>(launcher);
    command.addAll(
        NodeProcesses.java(
            "kv",
            "--cluster",
            String.join(",", addresses),
            "--secret",
            NodeProcesses.SECRET,
            "--timeout",
            Long.toString(timeout.toMillis()),
            "--stdin"));
    process =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()))
            .start();
    in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  /** Runs one operation; its verdict as {@code kv} printed it. */
  KvOutcome execute(KvCommand command) {
    try {
      in.write(line(command) + "\n");
      in.flush();
      String answer = out.readLine();
      if (answer == null) {
        throw new IllegalStateException("kv ended before answering " + line(command));
      }
      return parse(answer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String line(KvCommand c) {
    return switch (c.op()) {
      case PUT -> "put " + c.key() + " " + c.value();
      case GET -> "get " + c.key();
      case DELETE -> "delete " + c.key();
      case CAS -> "cas " + c.key() + " " + c.expected() + " " + c.value();
    };
  }

  private static KvOutcome parse(String line) {
    int space = line.indexOf(' ');
    String verdict = space < 0 ? line : line.substring(0, space);
    String text = space < 0 ? null : line.substring(space + 1);
    return new KvOutcome(KvOutcome.Kind.valueOf(verdict.toUpperCase(java.util.Locale.ROOT)), text);
  }

  @Override
  public void close() throws InterruptedException {
    try {
      in.close(); // end of input: kv finishes and exits
    } catch (IOException e) {
      // it has gone already
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
