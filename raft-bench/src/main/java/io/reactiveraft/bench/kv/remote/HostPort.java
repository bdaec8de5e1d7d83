package io.reactiveraft.bench.kv.remote;

/**
 * A {@code host:port} address as members carry it; an IPv6 host goes in brackets ({@code
 * [::1]:7001}).
 *
 * @param host a host name or IP literal, without brackets
 * @param port 1 to 65535
 */
public record HostPort(String host, int port) {

  /**
   * Parses {@code host:port}.
   *
   * @throws IllegalArgumentException naming the address, when it is not {@code host:port}
   */
  public static HostPort parse(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + address + "'");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("an IPv6 host needs brackets: '" + address + "'");
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + address + "'");
    }
    if (host.isBlank() || port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "expected host:port with a port in [1, 65535], got '" + address + "'");
    }
    return new HostPort(host, port);
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
