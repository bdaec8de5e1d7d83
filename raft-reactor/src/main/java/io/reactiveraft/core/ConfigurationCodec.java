package io.reactiveraft.core;

import io.reactiveraft.ClusterConfiguration;
import io.reactiveraft.Member;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of a configuration entry: one line per member, {@code V id=address} for a voter and
 * {@code L id=address} for a learner, UTF-8. Text, so a log dump is readable.
 */
public final class ConfigurationCodec {

  private ConfigurationCodec() {}

  public static byte[] encode(ClusterConfiguration configuration) {
    StringBuilder sb = new StringBuilder();
    configuration.voters().forEach(m -> line(sb, 'V', m));
    configuration.learners().forEach(m -> line(sb, 'L', m));
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void line(StringBuilder sb, char kind, Member m) {
    sb.append(kind).append(' ').append(m.id()).append('=').append(m.address()).append('\n');
  }

  /**
   * @throws IllegalArgumentException when the bytes are not a configuration
   */
  public static ClusterConfiguration decode(byte[] payload) {
    List<Member> voters = new ArrayList<>();
    List<Member> learners = new ArrayList<>();
    for (String line : new String(payload, StandardCharsets.UTF_8).split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.length() < 3 || line.charAt(1) != ' ') {
        throw new IllegalArgumentException("not a configuration line: " + line);
      }
      Member m = Member.parse(line.substring(2));
      switch (line.charAt(0)) {
        case 'V' -> voters.add(m);
        case 'L' -> learners.add(m);
        default -> throw new IllegalArgumentException("not a configuration line: " + line);
      }
    }
    return new ClusterConfiguration(voters, learners);
  }
}
