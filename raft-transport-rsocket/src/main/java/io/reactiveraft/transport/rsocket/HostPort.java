package io.reactiveraft.transport.rsocket;

/**
 * A {@code host:port} address as members carry it; IPv6 hosts go in brackets ({@code [::1]:7001}).
 *
 * @param host a host name or IP literal, without brackets
 * @param port 0 to 65535; 0 binds an ephemeral port
 */
record HostPort(String host, int port) {

  /**
   * @throws IllegalArgumentException when the text is not {@code host:port}
   */
  static HostPort parse(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got: " + address);
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("an IPv6 host needs brackets: " + address);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in " + address, e);
    }
    if (host.isBlank() || port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "expected host:port with a port in [0, 65535]: " + address);
    }
    return new HostPort(host, port);
  }
}
